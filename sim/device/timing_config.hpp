// Timing and energy parameters of a device, read from JSON. Cycle counts come
// from the tile (identical for the model and the RTL); these turn them into
// simulated time and energy. Defaults and their sources: docs/device.md,
// "Timing and energy".
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>

namespace hycim::device {

struct EnergyPj {
  double lane_add = 0.0112;        // one weight lane selected and added in one bit plane
  double shift_add = 0.03;         // one accumulator lane shifted and added, per bit plane
  double sram_byte = 0.3;          // one byte written to or read from an SRAM/array row
  double nvm_program_byte = 80.0;  // one byte programmed into an NVM row (write-verify)
  double dma_byte = 40.0;          // one byte moved over the host link
};

struct TimingConfig {
  double clock_mhz = 200.0;        // tile clock
  double nvm_read_ns = 5.0;        // NVM row sense: must fit one cycle
  double sram_access_ns = 1.0;     // SRAM row access: must fit one cycle
  double shift_add_ns = 1.0;       // transfer-region shift-and-add: must fit one cycle
  double nvm_program_ns = 1000.0;  // one row program (engine busy at least this long)
  double dma_bytes_per_ns = 16.0;  // host link bandwidth (GB/s), shared by all tiles
  double dma_latency_ns = 500.0;   // per transfer, overlapped with other transfers
  EnergyPj energy_pj;

  double period_ns() const { return 1000.0 / clock_mhz; }

  // Keys as in to_json(); every key optional, an unknown one refused. Throws
  // DeviceError naming the key ("timing.energy_pj.lane_ad: unknown key").
  static TimingConfig from_json(const nlohmann::json& j);
  static TimingConfig from_file(const std::filesystem::path& path);
  nlohmann::json to_json() const;
  // Throws DeviceError naming the key when a value is out of range or a
  // one-cycle operation does not fit the clock period.
  void validate() const;
};

}  // namespace hycim::device
