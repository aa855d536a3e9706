#include "driver/sim/engine/platform.hpp"
#include "sim/device/functional_device.hpp"

namespace hycim::driver {
namespace {

class FunctionalPlatform : public Platform {
 public:
  FunctionalPlatform(const device::DeviceConfig& config, const AddressSpace& space)
      : dev_(config, [&space](uint64_t addr, uint64_t len) { return space.resolve(addr, len); }) {}

  bool read(uint32_t offset, uint32_t* value) override {
    return dev_.read(offset, *value) == device::RegisterFile::Bus::kOk;
  }
  bool write(uint32_t offset, uint32_t value) override {
    return dev_.write(offset, value) == device::RegisterFile::Bus::kOk;
  }
  void run() override { dev_.run(); }
  const device::Stats& stats() const override { return dev_.stats(); }
  const device::DeviceConfig& device_config() const override { return dev_.config(); }
  tile::Tile& tile(uint32_t index) override { return dev_.tile(index); }
  uint32_t spares_used(uint32_t tile) const override { return dev_.spares_used(tile); }
  double now_ns() const override { return dev_.now_ns(); }

 private:
  device::FunctionalDevice dev_;
};

}  // namespace

std::unique_ptr<Platform> make_functional_platform(const device::DeviceConfig& config,
                                                   const AddressSpace& space) {
  return std::make_unique<FunctionalPlatform>(config, space);
}

}  // namespace hycim::driver
