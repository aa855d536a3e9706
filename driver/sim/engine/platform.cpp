#include "driver/sim/engine/platform.hpp"

namespace hycim::driver {

std::unique_ptr<Platform> Platform::make(const device::DeviceConfig& config,
                                         const AddressSpace& space) {
  if (config.engine == device::EngineKind::kSystemc) return make_systemc_platform(config, space);
  return make_functional_platform(config, space);
}

}  // namespace hycim::driver
