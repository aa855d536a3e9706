// The offload target that reads the device's own figures: a device profile
// (JSON "hycim-device-profile", written from a hycim Session's run stats,
// e.g. by the Python package's Session.device_profile()) gives, per node of
// the offloaded model, the time it took on the device path: simulated
// device time for nodes the tiles ran, measured host time for the nodes the
// runtime's host executor ran beside them. The trace names its inference ops
// by those nodes; ops the profile does not name are not offloaded. Whether
// the weights fit the NVM was settled when the model ran there: the times
// include whatever weight streaming its placement needed ("placement").
//
//   {"format": "hycim-device-profile", "version": 1, "device": "...",
//    "nvm_weight_bytes": 65536, "batch": 64, "placement": "resident",
//    "ops": {"/0/Gemm": {"on_device": true, "sim_us": 12.5, "host_us": 80.1}, ...}}
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/memplan/offload.hpp"

namespace hycim::memplan {

struct DeviceProfile {
  struct Node {
    bool on_device = true;
    double sim_us = 0, host_us = 0;
  };
  std::string device;
  std::uint64_t nvm_weight_bytes = 0;
  int batch = 0;
  std::string placement;  // resident, stream: how the run placed the weights
  std::map<std::string, Node> ops;
};

// Throws MemplanError naming `source` and the field.
DeviceProfile device_profile_from_json(const nlohmann::json& j, const std::string& source);
DeviceProfile load_device_profile(const std::string& path);

class DeviceOffloadTarget final : public OffloadTarget {
 public:
  explicit DeviceOffloadTarget(DeviceProfile profile) : profile_(std::move(profile)) {}
  std::string name() const override { return "cim-device:" + profile_.device; }
  bool accepts(const Trace& trace, int op) const override;
  // The node's device-path time: simulated on the tiles, measured on the host.
  double device_us(const Trace& trace, int op) const override;
  const DeviceProfile& profile() const { return profile_; }

 private:
  DeviceProfile profile_;
};

}  // namespace hycim::memplan
