// Timing and energy parameters of a device, read from JSON. Cycle counts come
// from the tile (identical for the model and the RTL); these turn them into
// simulated time and energy. Defaults and their sources: spec/hycim.json
// "timing", docs/device.md "Timing and energy".
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hycim/spec/tile_spec.hpp"
#include "hycim/spec/timing_spec.hpp"
#include "sim/tech/technology.hpp"

namespace hycim::device {

// Defaults, their meanings and sources: spec/hycim.json "timing" (generated
// into hycim::spec::timing and the docs/device.md table).
struct EnergyPj {
  double lane_add = spec::timing::energy_pj::kLaneAdd;
  double weight_one = spec::timing::energy_pj::kWeightOne;
  double shift_add = spec::timing::energy_pj::kShiftAdd;
  double sram_byte = spec::timing::energy_pj::kSramByte;
  double nvm_program_byte = spec::timing::energy_pj::kNvmProgramByte;
  double dma_byte = spec::timing::energy_pj::kDmaByte;
  double ecc_row_read = spec::timing::energy_pj::kEccRowRead;
  double ecc_row_program = spec::timing::energy_pj::kEccRowProgram;
};

struct TimingConfig {
  double clock_mhz = spec::timing::kClockMhz;
  double nvm_read_ns = spec::timing::kNvmReadNs;
  double sram_access_ns = spec::timing::kSramAccessNs;
  double shift_add_ns = spec::timing::kShiftAddNs;
  double nvm_program_ns = spec::timing::kNvmProgramNs;
  double dma_bytes_per_ns = spec::timing::kDmaBytesPerNs;
  double dma_latency_ns = spec::timing::kDmaLatencyNs;
  double ecc_decode_cycles = spec::timing::kEccDecodeCycles;  // a whole number >= 0
  EnergyPj energy_pj;

  double period_ns() const { return 1000.0 / clock_mhz; }

  // The clock and per-event energies a tile of `tile` gets from `tech`
  // (sim/tech/cim_energy.hpp); the times keep their defaults. The defaults
  // above are this for the default technology and tile (a test checks it).
  static TimingConfig for_technology(const tech::Technology& tech, const spec::TileConfig& tile);

  // Keys as in to_json(); every key optional (taken from `base`), an unknown
  // one refused. Throws DeviceError naming the key
  // ("timing.energy_pj.lane_ad: unknown key").
  static TimingConfig from_json(const nlohmann::json& j, const TimingConfig& base);
  static TimingConfig from_json(const nlohmann::json& j) { return from_json(j, TimingConfig()); }
  static TimingConfig from_file(const std::filesystem::path& path);
  nlohmann::json to_json() const;
  // Throws DeviceError naming the key when a value is out of range or a
  // one-cycle operation does not fit the clock period.
  void validate() const;
};

}  // namespace hycim::device
