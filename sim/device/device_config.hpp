// How to build a device: which tiles, how many, model or RTL, where its NVM
// lives, and its timing/energy parameters. Readable from JSON with unknown
// keys refused.
#pragma once
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/tile_factory.hpp"
#include "sim/device/timing_config.hpp"
#include "sim/nvm/cell_faults.hpp"

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

// How the device's NVM fails and what protects it (docs/device.md, "NVM
// faults"). A device opened on an image that has a fault record takes its
// setup from the image; one that asks for another is refused.
struct FaultConfig {
  nvm::FaultSetup setup;  // model, seed, ECC
  // The model as named: a catalog name or a path; empty: the NVM image's
  // (a device opened on an image with a fault record).
  std::string model_ref;
  double temp_c = 85;  // operating temperature: retention while the device runs
  // PROGRAM_NVM re-programs a row whose cells do not read back what was
  // written up to this many times (write-verify) before it gives up.
  uint32_t verify_retries = 3;

  // Background scrub: every this many seconds of simulated time, each
  // tile's programmed NVM rows are scrubbed as SCRUB does (corrected rows
  // programmed again), so single errors are cleared before a second one in
  // the same row makes it uncorrectable. 0: no background scrub.
  double scrub_interval_s = 0;

  // Before the first command, age the NVM by this long at age_temp_c:
  // stored in the image, so it happens once. Without a background scrub the
  // device sat unpowered (on a shelf, in an oven); with one it ran powered
  // and idle, scrubbing every scrub_interval_s.
  double age_s = 0;
  double age_temp_c = 85;

  // Keys: model (a spec/faults name or JSON path; required), seed, ecc
  // ("secded"|"none"), spare_rows, temp_c, verify_retries, scrub_interval_s, age_s,
  // age_temp_c. A bare string is the model.
  static FaultConfig from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

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
  // The NVM's fault model; unset: its cells never fail.
  std::optional<FaultConfig> faults;

  // Keys: preset (a spec preset: sets tiles and tile_config, which may then
  // not be given), tile_config, tiles, tile_kind ("model"|"rtl"), nvm_image, tech
  // (a technology: sets the clock and energies), timing (TimingConfig keys,
  // over what tech set), engine ("functional"|"systemc"), trace, faults
  // (FaultConfig keys). Throws DeviceError naming a bad or
  // unknown key.
  static DeviceConfig from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // Throws DeviceError for a config no device can be built from.
  void validate() const;
};

}  // namespace hycim::device
