// sim://: a simulated device inside this process, served by an Engine.
//
// The URI names a device: every open with the same options while that device
// is open is a new context on it (exactly like a new client of hycimd).
//  - engine=functional (the default): devices are values. Each distinct set of
//    options (instance=NAME tells apart devices whose other options are the
//    same) is its own device, any number at once; the last context closed
//    destroys it (NVM image closed, RTL traces finalized), and a later open
//    builds it again from its image.
//  - engine=systemc: SystemC elaborates once per process, so the process has
//    at most one such device, built by the first open and kept until exit;
//    an open with other options is refused with kBusy saying what to do.
#include "driver/sim/sim_backend.hpp"

#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "driver/lib/uri.hpp"
#include "driver/sim/engine/engine.hpp"

namespace hycim::driver {
namespace {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DriverError(Status::kInvalid, "sim:// timing file '" + path + "' cannot be read");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DriverError(Status::kInvalid, "sim:// timing file '" + path + "': " + e.what());
  }
}

uint32_t parse_count(const std::string& key, const std::string& v) {
  size_t used = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || n > UINT32_MAX)
    throw DriverError(Status::kInvalid, "sim:// URI: " + key + "='" + v + "' is not a number");
  return static_cast<uint32_t>(n);
}

double parse_number(const std::string& key, const std::string& v) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || !std::isfinite(x))
    throw DriverError(Status::kInvalid, "sim:// URI: " + key + "='" + v + "' is not a number");
  return x;
}

// The process's SystemC engine (see the file comment): deliberately never
// destroyed, as SystemC cannot elaborate again.
std::shared_ptr<Engine> systemc_engine(const device::DeviceConfig& config) {
  static std::mutex mutex;
  static std::shared_ptr<Engine>* engine = nullptr;
  static std::string* options = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = config.to_json().dump();
  if (engine == nullptr) {
    auto e = Engine::start(config);
    engine = new std::shared_ptr<Engine>(std::move(e));
    options = new std::string(key);
  } else if (*options != key) {
    throw DriverError(Status::kBusy,
                      "this process already simulates a SystemC sim:// device with options " +
                          *options +
                          "; SystemC elaborates once per process: open it with the same options, "
                          "use engine=functional (any number per process), or run hycimd and "
                          "open unix://PATH");
  }
  return *engine;
}

// The open functional devices, by options. An entry whose engine is gone but
// still listed is being destroyed: an open of the same options waits for that
// to finish, so its NVM image is closed before it is opened again.
struct FunctionalDevices {
  std::mutex mutex;
  std::condition_variable destroyed;
  std::map<std::string, std::weak_ptr<Engine>> open;
};

FunctionalDevices& functional_devices() {
  static auto* devices = new FunctionalDevices;  // outlives every engine, at exit too
  return *devices;
}

std::shared_ptr<Engine> functional_engine(const device::DeviceConfig& config,
                                          const std::string& instance) {
  FunctionalDevices& d = functional_devices();
  const std::string key = config.to_json().dump() + "#" + instance;
  std::unique_lock<std::mutex> lock(d.mutex);
  for (;;) {
    auto it = d.open.find(key);
    if (it == d.open.end()) break;
    if (auto e = it->second.lock()) return e;
    d.destroyed.wait(lock);
  }
  std::shared_ptr<Engine> e = Engine::start(config);
  e->on_destroyed([key] {
    FunctionalDevices& d = functional_devices();
    std::lock_guard<std::mutex> lock(d.mutex);
    d.open.erase(key);
    d.destroyed.notify_all();
  });
  d.open[key] = e;
  return e;
}

}  // namespace

device::DeviceConfig sim_config_from_query(const std::map<std::string, std::string>& query) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : query) {
    if (key == "tile")
      j["tile_kind"] = value;
    else if (key == "config")
      j["tile_config"] = value;
    else if (key == "tiles")
      j["tiles"] = parse_count(key, value);
    else if (key == "preset")
      j["preset"] = value;
    else if (key == "nvm")
      j["nvm_image"] = value;
    else if (key == "timing")
      j["timing"] = read_json_file(value);
    else if (key == "tech")
      j["tech"] = value;
    else if (key == "engine")
      j["engine"] = value;
    else if (key == "trace")
      j["trace"] = value;
    else if (key == "faults")
      j["faults"]["model"] = value;
    else if (key == "fault_seed")
      j["faults"]["seed"] = parse_count(key, value);
    else if (key == "ecc")
      j["faults"]["ecc"] = value;
    else if (key == "spares")
      j["faults"]["spare_rows"] = parse_count(key, value);
    else if (key == "temp_c")
      j["faults"]["temp_c"] = parse_number(key, value);
    else if (key == "verify_retries")
      j["faults"]["verify_retries"] = parse_count(key, value);
    else if (key == "scrub_s")
      j["faults"]["scrub_interval_s"] = parse_number(key, value);
    else if (key == "age_s")
      j["faults"]["age_s"] = parse_number(key, value);
    else if (key == "age_temp_c")
      j["faults"]["age_temp_c"] = parse_number(key, value);
    else
      throw DriverError(
          Status::kInvalid,
          "sim:// URI: unknown key '" + key +
              "' (known: preset, tile, config, tiles, nvm, tech, timing, engine, trace, faults, "
              "fault_seed, ecc, spares, temp_c, verify_retries, scrub_s, age_s, age_temp_c, "
              "instance, "
              "owner)");
  }
  try {
    device::DeviceConfig c = device::DeviceConfig::from_json(j);
    c.validate();
    return c;
  } catch (const DriverError&) {
    throw;
  } catch (const std::exception& e) {
    throw DriverError(Status::kInvalid, std::string("sim:// URI: ") + e.what());
  }
}

std::unique_ptr<Backend> open_sim_context(const Uri& uri) {
  if (!uri.path.empty())
    throw DriverError(Status::kInvalid,
                      "sim:// URI takes no path, only ?key=value options (got '" + uri.path + "')");
  std::map<std::string, std::string> query = uri.query;
  std::string instance;
  if (auto it = query.find("instance"); it != query.end()) {
    instance = it->second;
    query.erase(it);
  }
  // The owner names a context's identity, not the device: opens with other
  // owners are contexts on the same device.
  std::string name_space = kDefaultOwnerNamespace;
  if (auto it = query.find(kOwnerKey); it != query.end()) {
    name_space = it->second;
    query.erase(it);
    if (!valid_owner_namespace(name_space))
      throw DriverError(Status::kInvalid, "sim:// URI: owner='" + name_space +
                                              "' is not a namespace (1-63 of A-Za-z0-9._-)");
  }
  const std::string owner = owner_identity(::getuid(), name_space);
  const device::DeviceConfig config = sim_config_from_query(query);
  if (config.engine == device::EngineKind::kSystemc) {
    if (!instance.empty())
      throw DriverError(Status::kInvalid,
                        "sim:// URI: instance= names one of several functional devices; a "
                        "process has one SystemC device (engine=systemc)");
    return systemc_engine(config)->open_context(owner);
  }
  return functional_engine(config, instance)->open_context(owner);
}

namespace {

std::shared_ptr<Backend> open_sim_backend(const Uri& uri) {
  return open_sim_context(uri);
}

const bool registered = (register_backend("sim", open_sim_backend), true);

}  // namespace

}  // namespace hycim::driver

// What the linker is told to keep (LINKER:--undefined in driver/sim's
// CMakeLists.txt), so linking hycim_driver_sim always brings the registrar
// above into the program.
extern "C" const bool* hycim_driver_sim_registered() {
  return &hycim::driver::registered;
}
