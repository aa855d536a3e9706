#include "sim/nvm/row_scan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <vector>

namespace hycim::nvm {
namespace {

// Large enough to amortise the syscall, small enough to stay in cache.
constexpr uint64_t kChunkBytes = 1 << 20;

}  // namespace

RowPick pick_row(uint32_t tile, uint32_t row, format::SlotCheck s0, format::SlotCheck s1) {
  RowPick p;
  p.tile = tile;
  p.row = row;
  p.readable = s0.valid || s1.valid;
  if (p.readable) {
    p.current = (s1.valid && (!s0.valid || s1.seq > s0.seq)) ? 1 : 0;
    p.seq = p.current == 1 ? s1.seq : s0.seq;
    p.programmed_at = p.current == 1 ? s1.programmed_at : s0.programmed_at;
    p.holds = p.current == 1 ? s1.holds : s0.holds;
    p.other_valid = s0.valid && s1.valid;
  }
  p.slots[0] = std::move(s0);
  p.slots[1] = std::move(s1);
  return p;
}

std::string row_name(const Geometry& g, uint32_t tile, uint32_t row) {
  if (row < g.rows_per_tile) return fmt::format("tile {} row {}", tile, row);
  return fmt::format("tile {} row {} (spare {})", tile, row, row - g.rows_per_tile);
}

std::string describe_slots(const Geometry& g, const RowPick& p) {
  auto one = [](const format::SlotCheck& s) {
    return s.valid ? fmt::format("valid, seq {}", s.seq) : s.problem;
  };
  return fmt::format("{}: slot 0 {}; slot 1 {}", row_name(g, p.tile, p.row), one(p.slots[0]),
                     one(p.slots[1]));
}

void scan_rows(int fd, const io::Path& path, const Geometry& g,
               const std::function<void(const RowPick&)>& visit) {
  const uint64_t block = format::row_block_bytes(g);
  const uint32_t slot = format::slot_bytes_for(g.row_bytes);
  const uint64_t rows_per_chunk = std::max<uint64_t>(1, kChunkBytes / block);
  std::vector<uint8_t> buf(rows_per_chunk * block);
  const uint32_t per_tile = g.physical_rows_per_tile();
  for (uint64_t first = 0; first < g.physical_rows(); first += rows_per_chunk) {
    uint64_t n = std::min(rows_per_chunk, g.physical_rows() - first);
    std::span<uint8_t> chunk(buf.data(), n * block);
    io::read_at(fd, chunk, format::kHeaderBlockBytes + first * block, path);
    for (uint64_t i = 0; i < n; ++i) {
      auto tile = static_cast<uint32_t>((first + i) / per_tile);
      auto row = static_cast<uint32_t>((first + i) % per_tile);
      std::span<const uint8_t> b = chunk.subspan(i * block, block);
      visit(pick_row(tile, row, format::check_slot(b.first(slot), g, tile, row, 0),
                     format::check_slot(b.subspan(slot, slot), g, tile, row, 1)));
    }
  }
}

}  // namespace hycim::nvm
