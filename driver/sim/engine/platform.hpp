// The device behind an engine, seen as a register port plus "run until idle":
// the functional device (platform_functional.cpp, no SystemC) or the SystemC
// device with its DMA socket bound to the engine's AddressSpace
// (platform_systemc.cpp). Only the engine thread touches it. Kept out of every
// other header so neither timing shows in the driver's API.
#pragma once
#include <cstdint>
#include <memory>

#include "driver/sim/engine/address_space.hpp"
#include "sim/device/device_config.hpp"
#include "sim/device/stats.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::driver {

class Platform {
 public:
  // Builds the device config.engine names. Throws what the device throws
  // (DeviceError, NvmImageError) for a config or image it cannot use, and
  // DeviceError for a second SystemC device in one process.
  static std::unique_ptr<Platform> make(const device::DeviceConfig& config,
                                        const AddressSpace& space);
  virtual ~Platform() = default;

  // Register access; false when the device answers with a bus error.
  virtual bool read(uint32_t offset, uint32_t* value) = 0;
  virtual bool write(uint32_t offset, uint32_t value) = 0;
  uint32_t read(uint32_t offset) {
    uint32_t v = 0;
    read(offset, &v);
    return v;
  }
  // Simulates until the device has nothing left to do.
  virtual void run() = 0;
  virtual const device::Stats& stats() const = 0;
  // The config the device runs with: what it was built from, with the fault
  // setup of its NVM image filled in.
  virtual const device::DeviceConfig& device_config() const = 0;
  // The tile itself: the engine reads wear and swaps SRAM rows between owners
  // through its backdoor (sram_shadow.hpp) while the device is idle.
  virtual tile::Tile& tile(uint32_t index) = 0;
  // Spare NVM rows tile `index` has used in its lifetime (kept in the NVM
  // image); 0 without a fault model.
  virtual uint32_t spares_used(uint32_t tile) const = 0;
  // Simulated time now, in ns.
  virtual double now_ns() const = 0;
};

std::unique_ptr<Platform> make_functional_platform(const device::DeviceConfig& config,
                                                   const AddressSpace& space);
std::unique_ptr<Platform> make_systemc_platform(const device::DeviceConfig& config,
                                                const AddressSpace& space);

}  // namespace hycim::driver
