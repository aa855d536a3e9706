#include "runtime/memplan/device_offload.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace hycim::memplan {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw MemplanError(fmt::format("{}: {}", source, what));
}

double number(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_number() || j[key].get<double>() < 0)
    fail(where, fmt::format("'{}' must be a number >= 0", key));
  return j[key].get<double>();
}

}  // namespace

DeviceProfile device_profile_from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object() || j.value("format", "") != "hycim-device-profile")
    fail(source, "not a hycim-device-profile (its 'format' must be \"hycim-device-profile\")");
  if (j.value("version", 0) != 1)
    fail(source, fmt::format("version {} of hycim-device-profile; this build reads version 1",
                             j.value("version", 0)));
  DeviceProfile p;
  p.device = j.value("device", "");
  p.nvm_weight_bytes = static_cast<std::uint64_t>(number(j, "nvm_weight_bytes", source));
  p.batch = j.value("batch", 0);
  p.placement = j.value("placement", "");
  if (!j.contains("ops") || !j["ops"].is_object() || j["ops"].empty())
    fail(source, "'ops' must be an object naming at least one node");
  for (const auto& [name, n] : j["ops"].items()) {
    const std::string where = fmt::format("{}: op '{}'", source, name);
    if (!n.is_object()) fail(where, "must be an object");
    DeviceProfile::Node node;
    node.on_device = n.value("on_device", true);
    node.sim_us = number(n, "sim_us", where);
    node.host_us = number(n, "host_us", where);
    p.ops.emplace(name, node);
  }
  return p;
}

DeviceProfile load_device_profile(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(path, "cannot open the device profile");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) fail(path, "not valid JSON");
  return device_profile_from_json(j, path);
}

bool DeviceOffloadTarget::accepts(const Trace& tr, int op) const {
  // Whether the weights fit was the device's to say when the model ran: its
  // times include any weight streaming its placement needed.
  return profile_.ops.count(tr.ops[op].name) > 0;
}

double DeviceOffloadTarget::device_us(const Trace& tr, int op) const {
  const auto& n = profile_.ops.at(tr.ops[op].name);
  return n.on_device ? n.sim_us : n.host_us;
}

}  // namespace hycim::memplan
