// The sim:// backend and the URI options it shares with hycimd.
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

std::shared_ptr<Backend> open_sim_backend(const Uri& uri);

}  // namespace hycim::driver
