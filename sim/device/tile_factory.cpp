#include "sim/device/tile_factory.hpp"

#include <fmt/format.h>

#include "sim/device/device_error.hpp"
#include "sim/tile/tile_model.hpp"
#ifdef HYCIM_HAVE_RTL
#include "sim/tile/rtl_tile.hpp"
#endif

namespace hycim::device {

TileKind parse_tile_kind(const std::string& name) {
  if (name == "model") return TileKind::kModel;
  if (name == "rtl") return TileKind::kRtl;
  throw DeviceError(fmt::format("tile_kind '{}': expected 'model' or 'rtl'", name));
}

const char* to_string(TileKind kind) {
  return kind == TileKind::kRtl ? "rtl" : "model";
}

bool rtl_built() {
#ifdef HYCIM_HAVE_RTL
  return true;
#else
  return false;
#endif
}

std::unique_ptr<tile::Tile> make_tile(TileKind kind, const spec::TileConfig& cfg,
                                      [[maybe_unused]] const std::string& trace) {
  try {
    if (kind == TileKind::kModel) return std::make_unique<tile::TileModel>(cfg);
#ifdef HYCIM_HAVE_RTL
    tile::RtlTileOptions options = tile::RtlTileOptions::from_environment();
    if (!trace.empty()) options.trace_path = trace;
    return tile::make_rtl_tile(cfg, options);
#else
    throw DeviceError("tile_kind 'rtl': this build has no Verilated RTL (HYCIM_WITH_RTL=OFF)");
#endif
  } catch (const tile::TileError& e) {
    throw DeviceError(fmt::format("tile_kind '{}': {}", to_string(kind), e.what()));
  }
}

}  // namespace hycim::device
