// Engines the runtime tests run on: always the driver's path to a device
// (DriverEngine), never bare tiles. Each call gets its own functional device
// (a fresh sim:// instance), so a test may hold several of any geometry at
// once; the parameter sets pick the timing and the tile kind.
#pragma once
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <string>

#include "runtime/cim/driver_engine.hpp"

namespace hycim::cim::test {

// A URI for a new device: `config` tiles x `tiles`, tile kind `kind` ("model"
// or "rtl"), engine "functional" (or "systemc": one per process, so not a
// fresh instance).
inline std::string fresh_device_uri(uint32_t tiles, const std::string& config = "small",
                                    const std::string& kind = "model",
                                    const std::string& engine = "functional") {
  static std::atomic<unsigned> next{0};
  std::string uri =
      fmt::format("sim://?config={}&tiles={}&tile={}&engine={}", config, tiles, kind, engine);
  if (engine == "functional") uri += fmt::format("&instance=test{}", next++);
  return uri;
}

inline std::unique_ptr<DriverEngine> device_engine(uint32_t tiles,
                                                   const std::string& config = "small",
                                                   const std::string& kind = "model") {
  DriverEngineOptions o;
  o.uri = fresh_device_uri(tiles, config, kind);
  return std::make_unique<DriverEngine>(o);
}

}  // namespace hycim::cim::test
