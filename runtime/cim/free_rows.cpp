#include "runtime/cim/free_rows.hpp"

namespace hycim::cim {

FreeRows::FreeRows(uint32_t tiles, uint32_t rows_per_tile)
    : by_tile_(tiles), rows_per_tile_(rows_per_tile) {
  for (uint32_t t = 0; t < tiles; ++t)
    if (rows_per_tile > 0) {
      by_tile_[t][0] = rows_per_tile;
      by_length_.insert({rows_per_tile, t, 0});
      free_ += rows_per_tile;
    }
}

bool FreeRows::take(uint32_t tile, uint32_t row, uint32_t rows) {
  if (tile >= by_tile_.size() || rows == 0) return false;
  auto& gaps = by_tile_[tile];
  auto it = gaps.upper_bound(row);
  if (it == gaps.begin()) return false;
  --it;  // the gap starting at or before `row`
  const uint32_t g_row = it->first, g_rows = it->second;
  if (uint64_t{row} + rows > uint64_t{g_row} + g_rows) return false;
  gaps.erase(it);
  by_length_.erase({g_rows, tile, g_row});
  if (row > g_row) {
    gaps[g_row] = row - g_row;
    by_length_.insert({row - g_row, tile, g_row});
  }
  const uint32_t end = row + rows, g_end = g_row + g_rows;
  if (g_end > end) {
    gaps[end] = g_end - end;
    by_length_.insert({g_end - end, tile, end});
  }
  free_ -= rows;
  return true;
}

void FreeRows::give(uint32_t tile, uint32_t row, uint32_t rows) {
  auto& gaps = by_tile_.at(tile);
  uint32_t first = row, n = rows;
  auto next = gaps.lower_bound(row);
  if (next != gaps.end() && next->first == row + rows) {  // merge the gap after
    n += next->second;
    by_length_.erase({next->second, tile, next->first});
    next = gaps.erase(next);
  }
  if (next != gaps.begin()) {  // merge the gap before
    auto prev = std::prev(next);
    if (prev->first + prev->second == row) {
      first = prev->first;
      n += prev->second;
      by_length_.erase({prev->second, tile, prev->first});
      gaps.erase(prev);
    }
  }
  gaps[first] = n;
  by_length_.insert({n, tile, first});
  free_ += rows;
}

std::optional<Gap> FreeRows::best_fit(uint32_t rows, uint32_t from_tile) const {
  auto it = by_length_.lower_bound({rows, 0, 0});
  if (it == by_length_.end()) return std::nullopt;
  const uint32_t len = std::get<0>(*it);
  auto rotated = by_length_.lower_bound({len, from_tile, 0});
  if (rotated != by_length_.end() && std::get<0>(*rotated) == len) it = rotated;
  return Gap{std::get<1>(*it), std::get<2>(*it), len};
}

std::optional<Gap> FreeRows::best_fit(uint32_t rows, uint32_t from_tile,
                                      const std::function<bool(uint32_t)>& avoid,
                                      bool ties_only) const {
  if (!avoid) return best_fit(rows, from_tile);
  for (auto it = by_length_.lower_bound({rows, 0, 0}); it != by_length_.end();) {
    const uint32_t len = std::get<0>(*it);
    const auto first = by_length_.lower_bound({len, 0, 0});
    const auto rotate = by_length_.lower_bound({len, from_tile, 0});
    const auto next_len = by_length_.lower_bound({len + 1, 0, 0});
    for (auto jt = rotate; jt != next_len; ++jt)
      if (!avoid(std::get<1>(*jt))) return Gap{std::get<1>(*jt), std::get<2>(*jt), len};
    for (auto jt = first; jt != rotate; ++jt)
      if (!avoid(std::get<1>(*jt))) return Gap{std::get<1>(*jt), std::get<2>(*jt), len};
    if (ties_only) break;
    it = next_len;
  }
  return best_fit(rows, from_tile);
}

std::optional<Gap> FreeRows::worst_fit(uint32_t rows, uint32_t from_tile,
                                       const std::function<bool(uint32_t)>& avoid) const {
  std::optional<Gap> any;
  for (auto it = by_length_.rbegin(); it != by_length_.rend() && std::get<0>(*it) >= rows;) {
    const uint32_t len = std::get<0>(*it);
    const auto first = by_length_.lower_bound({len, 0, 0});
    const auto rotate = by_length_.lower_bound({len, from_tile, 0});
    const auto next_len = by_length_.lower_bound({len + 1, 0, 0});
    if (!any) any = Gap{std::get<1>(*first), std::get<2>(*first), len};
    for (auto jt = rotate; jt != next_len; ++jt)
      if (!avoid || !avoid(std::get<1>(*jt))) return Gap{std::get<1>(*jt), std::get<2>(*jt), len};
    for (auto jt = first; jt != rotate; ++jt)
      if (!avoid || !avoid(std::get<1>(*jt))) return Gap{std::get<1>(*jt), std::get<2>(*jt), len};
    it = std::make_reverse_iterator(first);
  }
  return any;
}

std::vector<Gap> FreeRows::gaps(uint32_t tile) const {
  std::vector<Gap> out;
  for (const auto& [row, rows] : by_tile_.at(tile)) out.push_back({tile, row, rows});
  return out;
}

}  // namespace hycim::cim
