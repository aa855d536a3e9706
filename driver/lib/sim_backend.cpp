// sim://: the SystemC device inside this process, served by an Engine.
//
// SystemC elaborates once per process, so the process has at most one
// engine, built by the first sim:// open and kept until exit. Every sim://
// open with the same options is a new context on it (exactly like a new
// client of hycimd); an open with other options is refused with kBusy.
#include "driver/lib/sim_backend.hpp"

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "driver/lib/engine/engine.hpp"
#include "driver/lib/uri.hpp"

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

// The process's engine (see the file comment): deliberately never destroyed.
std::shared_ptr<Engine> process_engine(const device::DeviceConfig& config) {
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
                      "this process already simulates a sim:// device with options " + *options +
                          "; SystemC elaborates once per process: open it with the same options, "
                          "or run hycimd and open unix://PATH");
  }
  return *engine;
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
    else if (key == "nvm")
      j["nvm_image"] = value;
    else if (key == "timing")
      j["timing"] = read_json_file(value);
    else
      throw DriverError(Status::kInvalid, "sim:// URI: unknown key '" + key +
                                              "' (known: tile, config, tiles, nvm, timing)");
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

std::shared_ptr<Backend> open_sim_backend(const Uri& uri) {
  if (!uri.path.empty())
    throw DriverError(Status::kInvalid,
                      "sim:// URI takes no path, only ?key=value options (got '" + uri.path + "')");
  return process_engine(sim_config_from_query(uri.query))->open_context();
}

}  // namespace hycim::driver
