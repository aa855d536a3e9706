// Which implementation backs each tile of a device, chosen at run time: the
// fast C++ model or the Verilated RTL (only in builds with HYCIM_WITH_RTL, and
// only for the verilated named configurations).
#pragma once
#include <memory>
#include <string>

#include "sim/tile/tile.hpp"

namespace hycim::device {

enum class TileKind { kModel, kRtl };

// "model" or "rtl"; DeviceError naming the value otherwise.
TileKind parse_tile_kind(const std::string& name);
const char* to_string(TileKind kind);
// True when this build can make RTL tiles at all.
bool rtl_built();
// DeviceError when the kind cannot be built here (no RTL in this build, or no
// RTL verilated for cfg). An RTL tile writes its waveform to `trace` when it
// is set, else where HYCIM_TRACE says; a model tile ignores it.
std::unique_ptr<tile::Tile> make_tile(TileKind kind, const spec::TileConfig& cfg,
                                      const std::string& trace = "");

}  // namespace hycim::device
