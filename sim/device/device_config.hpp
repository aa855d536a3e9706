// How to build a device: which tiles, how many, model or RTL, where its NVM
// lives, and its timing/energy parameters. Readable from JSON with unknown
// keys refused.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/tile_factory.hpp"
#include "sim/device/timing_config.hpp"

namespace hycim::device {

// Which timing drives the command processor (docs/device.md, "Two timings"):
// the functional device (plain calls, per-tile clocks, any number per
// process) or the SystemC/TLM-2.0 device (one elaboration per process).
enum class EngineKind { kFunctional, kSystemc };

// "functional" or "systemc"; DeviceError naming the value otherwise.
EngineKind parse_engine_kind(const std::string& name);
const char* to_string(EngineKind kind);

// The spec's named device `name`; DeviceError listing the known ones otherwise.
const spec::device::DevicePreset& device_preset(const std::string& name);

struct DeviceConfig {
  std::string tile_config = "default";  // a named config of spec/hycim.json
  uint32_t tiles = 4;                   // 1..spec::device::kMaxTiles
  TileKind tile_kind = TileKind::kModel;
  std::filesystem::path nvm_image;  // empty: NVM rows are not kept after the run
  // The technology the timing's clock and energies come from (a catalog name
  // or a JSON path, sim/tech); empty: the spec's defaults, which are the
  // default technology's (tech::kDefaultTechnology).
  std::string tech;
  TimingConfig timing;
  // Functional by default: same results, cycles and energy as SystemC, many
  // times faster, and a value (open, close, several at once). A virtual
  // platform links the SystemC module directly and does not look here.
  EngineKind engine = EngineKind::kFunctional;
  // RTL tiles only: tile 0 writes its FST waveform here, tile i to
  // "<trace>.<i>"; finalized when the device is destroyed. Empty: the
  // HYCIM_TRACE environment variable decides (docs/device.md, "Waveforms").
  std::filesystem::path trace;

  // Keys: preset (a spec preset: sets tiles and tile_config, which may then
  // not be given), tile_config, tiles, tile_kind ("model"|"rtl"), nvm_image, tech
  // (a technology: sets the clock and energies), timing (TimingConfig keys,
  // over what tech set), engine ("functional"|"systemc"), trace. Throws DeviceError naming a bad or
  // unknown key.
  static DeviceConfig from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // Throws DeviceError for a config no device can be built from.
  void validate() const;
};

}  // namespace hycim::device
