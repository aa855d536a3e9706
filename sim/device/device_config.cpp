#include "sim/device/device_config.hpp"

#include <fmt/format.h>

#include <limits>
#include <type_traits>

#include "sim/device/device_error.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::device {
namespace {

template <class T>
T get(const nlohmann::json& v, const std::string& key) {
  if constexpr (std::is_integral_v<T>) {
    static_assert(std::is_unsigned_v<T>);
    // get<T>() would take a bool, wrap a negative or wider number and
    // truncate a float (one out of T's range: undefined behaviour).
    if (!v.is_number()) throw DeviceError(fmt::format("device.{}: wrong type ({})", key, v.dump()));
    // Parsed text holds a whole number >= 0 as unsigned; one a program put
    // in (an int) is signed.
    const bool whole = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    if (!whole || v.get<uint64_t>() > std::numeric_limits<T>::max())
      throw DeviceError(fmt::format("device.{}: {} is not a whole number in 0..{}", key, v.dump(),
                                    std::numeric_limits<T>::max()));
    return static_cast<T>(v.get<uint64_t>());
  } else {
    try {
      return v.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw DeviceError(fmt::format("device.{}: wrong type ({})", key, v.dump()));
    }
  }
}

}  // namespace

FaultConfig FaultConfig::from_json(const nlohmann::json& j) {
  FaultConfig f;
  const nlohmann::json o = j.is_string() ? nlohmann::json{{"model", j}} : j;
  if (!o.is_object())
    throw DeviceError("device.faults: expected a fault model name or {\"model\": .., ...}");
  // Without a model the setup is the NVM image's (faults_of_image); what
  // only the model's setup can say is then not to be given.
  for (const char* key : {"seed", "ecc", "spare_rows"})
    if (o.contains(key) && !o.contains("model"))
      throw DeviceError(fmt::format(
          "device.faults.{}: given without faults.model (an image's setup is its own)", key));
  for (const auto& [key, v] : o.items()) {
    const std::string at = "faults." + key;
    if (key == "model") {
      try {
        f.model_ref = get<std::string>(v, at);
        f.setup.model = tech::load_nvm_faults(f.model_ref);
      } catch (const tech::TechError& e) {
        throw DeviceError(fmt::format("device.faults.model: {}", e.what()));
      }
    } else if (key == "seed") {
      f.setup.seed = get<uint64_t>(v, at);
    } else if (key == "ecc") {
      try {
        f.setup.ecc = nvm::parse_protection(get<std::string>(v, at));
      } catch (const std::invalid_argument& e) {
        throw DeviceError(fmt::format("device.faults.ecc: {}", e.what()));
      }
    } else if (key == "spare_rows") {
      f.setup.spare_rows = get<uint32_t>(v, at);
      if (f.setup.spare_rows > nvm::kMaxSpareRows)
        throw DeviceError(fmt::format("device.faults.spare_rows: {} (at most {})",
                                      f.setup.spare_rows, nvm::kMaxSpareRows));
    } else if (key == "temp_c") {
      f.temp_c = get<double>(v, at);
      if (!(f.temp_c > -273.15) || f.temp_c > 1000)
        throw DeviceError(fmt::format("device.faults.temp_c: {} C is not a temperature", f.temp_c));
    } else if (key == "age_s") {
      f.age_s = get<double>(v, at);
      if (!(f.age_s >= 0)) throw DeviceError(fmt::format("device.faults.age_s: {} s", f.age_s));
    } else if (key == "age_temp_c") {
      f.age_temp_c = get<double>(v, at);
      if (!(f.age_temp_c > -273.15) || f.age_temp_c > 1000)
        throw DeviceError(
            fmt::format("device.faults.age_temp_c: {} C is not a temperature", f.age_temp_c));
    } else if (key == "scrub_interval_s") {
      f.scrub_interval_s = get<double>(v, at);
      // Shorter than a microsecond would scrub between every two commands.
      if (!(f.scrub_interval_s == 0 || (f.scrub_interval_s >= 1e-6 && f.scrub_interval_s < 1e12)))
        throw DeviceError(fmt::format("device.faults.scrub_interval_s: {} s (0, or 1e-6 .. 1e12)",
                                      f.scrub_interval_s));
    } else if (key == "verify_retries") {
      f.verify_retries = get<uint32_t>(v, at);
      if (f.verify_retries > 64)
        throw DeviceError(
            fmt::format("device.faults.verify_retries: {} (at most 64)", f.verify_retries));
    } else {
      throw DeviceError(fmt::format("device.faults.{}: unknown key", key));
    }
  }
  return f;
}

nlohmann::json FaultConfig::to_json() const {
  return {{"model", model_ref},
          {"seed", setup.seed},
          {"ecc", nvm::to_string(setup.ecc)},
          {"spare_rows", setup.spare_rows},
          {"temp_c", temp_c},
          {"verify_retries", verify_retries},
          {"scrub_interval_s", scrub_interval_s},
          {"age_s", age_s},
          {"age_temp_c", age_temp_c}};
}

EngineKind parse_engine_kind(const std::string& name) {
  if (name == "functional") return EngineKind::kFunctional;
  if (name == "systemc") return EngineKind::kSystemc;
  throw DeviceError(fmt::format("device.engine: '{}' is not functional or systemc", name));
}

const char* to_string(EngineKind kind) {
  return kind == EngineKind::kSystemc ? "systemc" : "functional";
}

const spec::device::DevicePreset& device_preset(const std::string& name) {
  for (const auto& p : spec::device::kDevicePresets)
    if (name == p.name) return p;
  std::string known;
  for (const auto& p : spec::device::kDevicePresets)
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  throw DeviceError(fmt::format("device.preset: '{}' is not a preset (known: {})", name, known));
}

DeviceConfig DeviceConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw DeviceError("device: expected a JSON object");
  DeviceConfig c;
  if (j.contains("preset")) {
    // A preset names the size; restating it is refused rather than guessed at.
    const auto& p = device_preset(get<std::string>(j["preset"], "preset"));
    for (const char* key : {"tiles", "tile_config"})
      if (j.contains(key))
        throw DeviceError(
            fmt::format("device.{}: given with preset '{}', which sets it", key, p.name));
    c.tiles = p.tiles;
    c.tile_config = p.tile_config;
  }
  for (const auto& [key, v] : j.items()) {
    if (key == "preset")
      continue;
    else if (key == "tile_config")
      c.tile_config = get<std::string>(v, key);
    else if (key == "tiles")
      c.tiles = get<uint32_t>(v, key);
    else if (key == "tile_kind")
      c.tile_kind = parse_tile_kind(get<std::string>(v, key));
    else if (key == "nvm_image")
      c.nvm_image = get<std::string>(v, key);
    else if (key == "timing" || key == "tech")
      continue;  // below, once tile_config is known
    else if (key == "engine")
      c.engine = parse_engine_kind(get<std::string>(v, key));
    else if (key == "trace")
      c.trace = get<std::string>(v, key);
    else if (key == "faults") {
      if (!v.is_null()) c.faults = FaultConfig::from_json(v);
    } else
      throw DeviceError(fmt::format("device.{}: unknown key", key));
  }
  if (j.contains("tech")) c.tech = get<std::string>(j["tech"], "tech");
  if (!c.tech.empty()) {
    try {
      c.timing = TimingConfig::for_technology(tech::load_technology(c.tech),
                                              tile::named_config(c.tile_config));
    } catch (const tech::TechError& e) {
      throw DeviceError(fmt::format("device.tech: {}", e.what()));
    } catch (const tile::TileError& e) {
      throw DeviceError(fmt::format("device.tile_config: {}", e.what()));
    }
  }
  if (j.contains("timing")) c.timing = TimingConfig::from_json(j["timing"], c.timing);
  c.validate();
  return c;
}

nlohmann::json DeviceConfig::to_json() const {
  return {{"tile_config", tile_config},
          {"tiles", tiles},
          {"tile_kind", to_string(tile_kind)},
          {"nvm_image", nvm_image.string()},
          {"tech", tech},
          {"timing", timing.to_json()},
          {"engine", to_string(engine)},
          {"trace", trace.string()},
          {"faults", faults ? faults->to_json() : nlohmann::json()}};
}

void DeviceConfig::validate() const {
  if (tiles < 1 || tiles > spec::device::kMaxTiles)
    throw DeviceError(fmt::format("device.tiles: {} not in 1..{}", tiles, spec::device::kMaxTiles));
  try {
    tile::named_config(tile_config);
  } catch (const tile::TileError& e) {
    throw DeviceError(fmt::format("device.tile_config: {}", e.what()));
  }
  timing.validate();
  if (!trace.empty() && tile_kind != TileKind::kRtl)
    throw DeviceError(fmt::format(
        "device.trace: '{}' asks for a waveform, which only RTL tiles write (tile_kind rtl)",
        trace.string()));
}

}  // namespace hycim::device
