// How to build a device: which tiles, how many, model or RTL, where its NVM
// lives, and its timing/energy parameters. Readable from JSON with unknown
// keys refused.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "sim/device/tile_factory.hpp"
#include "sim/device/timing_config.hpp"

namespace hycim::device {

struct DeviceConfig {
  std::string tile_config = "default";  // a named config of spec/hycim.json
  uint32_t tiles = 4;                   // 1..256 (the record's tile field is a byte)
  TileKind tile_kind = TileKind::kModel;
  std::filesystem::path nvm_image;  // empty: NVM rows are not kept after the run
  TimingConfig timing;

  // Keys: tile_config, tiles, tile_kind ("model"|"rtl"), nvm_image, timing
  // (TimingConfig keys). Throws DeviceError naming a bad or unknown key.
  static DeviceConfig from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // Throws DeviceError for a config no device can be built from.
  void validate() const;
};

}  // namespace hycim::device
