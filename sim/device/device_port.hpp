// What a command needs from the device around it while it runs: host memory
// (through the DMA engine) and the passing of simulated time. The command
// processor and the command runner see only this, so the same code runs under
// both timings of the device:
//  - SystemC (device.hpp): DMA over the TLM initiator socket on a link shared
//    by all tiles, time passing by sc_core::wait;
//  - functional (functional_device.hpp): DMA straight into host memory, time a
//    clock per tile advanced by the same cost formulas (docs/device.md,
//    "Two timings").
#pragma once
#include <cstdint>
#include <span>

#include "hycim/spec/device_spec.hpp"

namespace hycim::device {

class DevicePort {
 public:
  virtual ~DevicePort() = default;
  // kOk, or kDmaError when the host answered with an error. Both take the
  // transfer's simulated time (dma.hpp), also when the host refused it.
  virtual spec::device::DevStatus dma_read(uint64_t addr, std::span<uint8_t> out) = 0;
  virtual spec::device::DevStatus dma_write(uint64_t addr, std::span<const uint8_t> in) = 0;
  // Simulated time of the caller, in ns.
  virtual double now_ns() const = 0;
  // Lets `ns` of simulated time pass for the caller.
  virtual void wait_ns(double ns) = 0;
};

}  // namespace hycim::device
