// Everything the device decides about a command record before anything moves:
// the static checks (opcode, reserved fields, tile, widths, counts, row ranges,
// in the documented order) and the host ranges the command will read and
// write, which the DMA windows must then allow. Pure functions: tested without
// SystemC.
#pragma once
#include <cstdint>
#include <vector>

#include "hycim/spec/device_spec.hpp"
#include "hycim/spec/tile_spec.hpp"
#include "sim/device/dma_window.hpp"

namespace hycim::device {

// kOk, or the first failing check of docs/device.md's check order up to
// TILE_ROW_RANGE.
spec::device::DevStatus check_record(const spec::device::CommandRecord& c,
                                     const spec::TileConfig& tile, uint32_t tiles);

// The host ranges of a record that passed check_record.
std::vector<HostRange> host_ranges(const spec::device::CommandRecord& c,
                                   const spec::TileConfig& tile);

// SRAM rows an MVM input of `count` elements occupies.
inline uint32_t input_rows(uint32_t count, const spec::TileConfig& t) {
  return (count + t.lanes - 1) / t.lanes;
}

// Tile status -> device status (TILE_<name>; OK stays OK).
inline spec::device::DevStatus from_tile(spec::Status s) {
  if (s == spec::Status::kOk) return spec::device::DevStatus::kOk;
  return static_cast<spec::device::DevStatus>(spec::device::kTileStatusBase +
                                              static_cast<uint8_t>(s));
}

}  // namespace hycim::device
