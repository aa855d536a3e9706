// The one exception of the device layer, thrown only while configuring or
// building a device (bad config key, unbuildable tile, refused NVM image).
// Commands never throw: they answer a status code (hycim/spec/device_spec.hpp).
#pragma once
#include <stdexcept>

namespace hycim::device {

struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hycim::device
