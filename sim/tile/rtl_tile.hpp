// The Verilated RTL tile (rtl/hycim_tile.sv) behind the Tile interface: each
// command is driven on the valid/ready port and the clock stepped until the
// result comes back. Available for the named configurations that were
// verilated (spec/hycim.json "configs").
#pragma once
#include <memory>
#include <string>

#include "sim/tile/tile.hpp"

namespace hycim::tile {

struct RtlTileOptions {
  // Write an FST waveform here; empty for none.
  std::string trace_path;
  // Default options: trace_path from the HYCIM_TRACE environment variable
  // (suffixed .1, .2, ... for the second and later tiles of a process).
  static RtlTileOptions from_environment();
};

bool rtl_available(const TileConfig& cfg);

// Throws TileError naming the verilated configurations when cfg is not one.
std::unique_ptr<Tile> make_rtl_tile(
    const TileConfig& cfg, const RtlTileOptions& options = RtlTileOptions::from_environment());

}  // namespace hycim::tile
