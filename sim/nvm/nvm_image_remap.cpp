// Spare rows: where each row lives, and moving a failing row to a spare.
//
// The map is not stored apart from the rows: a spare's slot says which row it
// holds (SlotHeader::holds), so claiming a spare is one slot write under the
// same two-slot rule as any row write, and the row moves exactly when that
// write becomes durable. Why a kill cannot tear it: docs/nvm-image.md.
#include <fmt/format.h>

#include <stdexcept>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"

namespace hycim::nvm {

void NvmImage::adopt_spare(uint32_t tile, uint32_t spare_row, uint16_t holds) {
  // A row moved on again still has its older spare saying it holds the row;
  // spares are claimed in ascending order, so the highest one is the newest.
  where_[logical_index(tile, holds)] = spare_row;
  spares_used_[tile] = spare_row - geometry_.rows_per_tile + 1;
}

uint32_t NvmImage::physical_row(uint32_t tile, uint32_t row) const {
  return where_[logical_index(tile, row)];
}

uint32_t NvmImage::spares_used(uint32_t tile) const {
  check_tile(tile);
  return spares_used_[tile];
}

void NvmImage::remap_row(uint32_t tile, uint32_t row, std::span<const uint8_t> data,
                         float programmed_at, uint32_t pulses) {
  const uint64_t at = logical_index(tile, row);
  check_buffer("remap_row", data.size());
  uint32_t& used = spares_used_[tile];
  if (used >= geometry_.spare_rows)
    throw NvmImageError(
        fmt::format("NVM image {}: tile {} row {}: no free spare row (all {} in use)",
                    path_.string(), tile, row, geometry_.spare_rows));
  const uint32_t spare = geometry_.rows_per_tile + used;
  // Only the spare is written: until this write is durable the row's old
  // place (and any older spare) still holds it, and nothing else changes.
  write_slot(tile, spare, static_cast<uint16_t>(row), data, programmed_at, pulses);
  where_[at] = spare;
  ++used;
}

std::vector<NvmImage::Remap> NvmImage::remaps(uint32_t tile) const {
  check_tile(tile);
  std::vector<Remap> out;
  for (uint32_t r = 0; r < geometry_.rows_per_tile; ++r) {
    const uint32_t at = where_[logical_index(tile, r)];
    if (at != r) out.push_back({r, at, rows_[physical_index(tile, at)].seq});
  }
  return out;
}

}  // namespace hycim::nvm
