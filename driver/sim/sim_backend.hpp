// The sim:// backend (library hycim_driver_sim: the driver's in-process
// simulator, registered with the driver's scheme table when linked, or loaded
// as libhycim_sim.so) and the URI options it shares with hycimd.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "driver/lib/backend.hpp"
#include "driver/lib/uri.hpp"
#include "sim/device/device_config.hpp"

namespace hycim::driver {

// Device config from sim:// options (tile, config, tiles, nvm, timing).
// Throws DriverError(kInvalid) naming an unknown key or a bad value.
device::DeviceConfig sim_config_from_query(const std::map<std::string, std::string>& query);

// A new context on the device the URI names. Throws DriverError.
std::unique_ptr<Backend> open_sim_context(const Uri& uri);

}  // namespace hycim::driver
