// The hycim device without SystemC: the same CommandProcessor as the SystemC
// device (command_processor.hpp), driven from plain calls. Registers are read
// and written directly; run() processes everything the doorbell (or RESET)
// asked for, in ring order, and returns when the device is idle. Completions,
// tile cycles, energy, NVM contents and wear are those of the SystemC device
// for the same commands; simulated time comes from per-tile clocks advanced by
// the documented formulas (docs/device.md, "Two timings"). A plain value: any
// number of them may live in one process, each with its own configuration and
// NVM image; destroying one closes its image and finalizes its RTL traces.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/device/command_processor.hpp"
#include "sim/device/device_config.hpp"
#include "sim/device/registers.hpp"

namespace hycim::device {

class FunctionalDevice {
 public:
  // The host memory the device's DMA reaches: a pointer to [addr, addr + len),
  // or null for a bus error (DMA_ERROR / RING_FAULT, as a TLM error response).
  using HostMemory = std::function<uint8_t*(uint64_t addr, uint64_t len)>;

  // Throws what CommandProcessor throws (DeviceError, NvmImageError).
  FunctionalDevice(const DeviceConfig& config, HostMemory memory);
  ~FunctionalDevice();
  FunctionalDevice(const FunctionalDevice&) = delete;
  FunctionalDevice& operator=(const FunctionalDevice&) = delete;

  // 32-bit register access at `offset` (hycim/spec/device_spec.hpp).
  RegisterFile::Bus read(uint32_t offset, uint32_t& value) const;
  RegisterFile::Bus write(uint32_t offset, uint32_t value);
  // Runs what the registers asked for until nothing is left to do.
  void run();

  const DeviceConfig& config() const { return processor_.config(); }
  const Stats& stats() const { return processor_.stats(); }
  // Simulated time now: the latest of the processor's and the tiles' clocks.
  double now_ns() const;
  tile::Tile& tile(uint32_t index) { return processor_.tile(index); }
  uint32_t spares_used(uint32_t index) const { return processor_.spares_used(index); }

 private:
  class Port;
  void run_burst();

  CommandProcessor processor_;
  HostMemory memory_;
  std::unique_ptr<Port> processor_port_;      // fetches, refused/NOP/FENCE completions
  std::vector<std::unique_ptr<Port>> tiles_;  // a tile's commands and their completions
  double latest_tile_ns_ = 0;                 // the latest of the tiles' clocks
};

}  // namespace hycim::device
