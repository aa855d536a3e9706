#include "runtime/cim/weight_stream.hpp"

#include <fmt/format.h>

#include <set>

namespace hycim::cim {

WeightStream::WeightStream(std::vector<Gap> region) : region_(std::move(region)) {
  if (region_.empty()) throw EngineError("weight streaming needs at least one free tile row");
}

void WeightStream::program(MvmEngine& engine, std::span<const ProgramJob> jobs) {
  if (account_)
    account_([&] { engine.program_batch(jobs); });
  else
    engine.program_batch(jobs);
}

uint32_t WeightStream::region_tiles() const {
  std::set<uint32_t> tiles;
  for (const Gap& g : region_) tiles.insert(g.tile);
  return static_cast<uint32_t>(tiles.size());
}

uint64_t WeightStream::region_rows() const {
  uint64_t n = 0;
  for (const Gap& g : region_) n += g.rows;
  return n;
}

void WeightStream::for_each_group(std::span<const uint32_t> sizes, const Group& group) {
  std::vector<size_t> which;
  std::vector<std::pair<uint32_t, uint32_t>> where;
  size_t gap = 0;
  uint32_t used = 0;  // rows of region_[gap] taken by this group
  auto flush = [&] {
    if (which.empty()) return;
    group(which, where);
    ++groups_;
    which.clear();
    where.clear();
    gap = 0;
    used = 0;
  };
  for (size_t i = 0; i < sizes.size(); ++i) {
    // Next fit: the blocks of a group fill one run after another, so they
    // spread over the region's tiles in order and run side by side.
    while (gap < region_.size() && region_[gap].rows - used < sizes[i]) {
      ++gap;
      used = 0;
    }
    if (gap == region_.size()) {
      flush();
      while (gap < region_.size() && region_[gap].rows < sizes[i]) ++gap;
      if (gap == region_.size())
        throw EngineError(fmt::format(
            "a streamed block of {} rows is longer than every free run of the stream region",
            sizes[i]));
    }
    which.push_back(i);
    where.emplace_back(region_[gap].tile, region_[gap].row + used);
    used += sizes[i];
    rows_written_ += sizes[i];
    // One block per run keeps a group's blocks on different tiles (parallel),
    // unless the region has fewer runs than the group has blocks.
    ++gap;
    used = 0;
    if (gap == region_.size()) flush();
  }
  flush();
}

}  // namespace hycim::cim
