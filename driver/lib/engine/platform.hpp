// The SystemC side of the engine: one hycim device with its DMA socket bound
// to the engine's AddressSpace and a register port. Only the engine thread
// touches it (SystemC is single-threaded and elaborates once per process).
// Kept out of every other header so SystemC stays out of the driver's API.
#pragma once
#include <cstdint>
#include <memory>

#include "driver/lib/engine/address_space.hpp"
#include "sim/device/device_config.hpp"

namespace hycim::device {
class Device;
}

namespace hycim::driver {

class Platform {
 public:
  // Elaborates the device. Throws what the device throws (DeviceError,
  // NvmImageError) for a config or image it cannot use.
  Platform(const device::DeviceConfig& config, const AddressSpace& space);
  ~Platform();

  // Register access; false when the device answers with a bus error.
  bool read(uint32_t offset, uint32_t* value);
  bool write(uint32_t offset, uint32_t value);
  uint32_t read(uint32_t offset);
  // Simulates until the device has nothing left to do.
  void run();
  device::Device& device();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hycim::driver
