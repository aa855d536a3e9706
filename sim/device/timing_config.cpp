#include "sim/device/timing_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <string>
#include <utility>

#include "sim/device/device_error.hpp"
#include "sim/tech/cim_energy.hpp"

namespace hycim::device {
namespace {

// One table per JSON object, so reading, writing and the unknown-key check
// cannot drift apart.
constexpr std::array<std::pair<const char*, double TimingConfig::*>, 8> kTimingKeys = {{
    {"clock_mhz", &TimingConfig::clock_mhz},
    {"nvm_read_ns", &TimingConfig::nvm_read_ns},
    {"sram_access_ns", &TimingConfig::sram_access_ns},
    {"shift_add_ns", &TimingConfig::shift_add_ns},
    {"nvm_program_ns", &TimingConfig::nvm_program_ns},
    {"dma_bytes_per_ns", &TimingConfig::dma_bytes_per_ns},
    {"dma_latency_ns", &TimingConfig::dma_latency_ns},
    {"ecc_decode_cycles", &TimingConfig::ecc_decode_cycles},
}};
constexpr std::array<std::pair<const char*, double EnergyPj::*>, 8> kEnergyKeys = {{
    {"lane_add", &EnergyPj::lane_add},
    {"weight_one", &EnergyPj::weight_one},
    {"shift_add", &EnergyPj::shift_add},
    {"sram_byte", &EnergyPj::sram_byte},
    {"nvm_program_byte", &EnergyPj::nvm_program_byte},
    {"dma_byte", &EnergyPj::dma_byte},
    {"ecc_row_read", &EnergyPj::ecc_row_read},
    {"ecc_row_program", &EnergyPj::ecc_row_program},
}};

template <class T, size_t N>
void read_object(const nlohmann::json& j, const std::string& where,
                 const std::array<std::pair<const char*, double T::*>, N>& keys, T& out,
                 const char* nested = nullptr) {
  if (!j.is_object()) throw DeviceError(fmt::format("{}: expected a JSON object", where));
  for (const auto& item : j.items()) {
    // Named variables, not a structured binding: clang before 16 (the
    // fuzzers' compiler) cannot capture a binding in a lambda.
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    if (nested && key == nested) continue;
    const auto* hit =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return key == k.first; });
    if (hit == keys.end()) throw DeviceError(fmt::format("{}.{}: unknown key", where, key));
    if (!value.is_number())
      throw DeviceError(fmt::format("{}.{}: expected a number, got {}", where, key, value.dump()));
    out.*(hit->second) = value.template get<double>();
  }
}

void require_positive(double v, const char* key) {
  if (!(v > 0) || !std::isfinite(v))
    throw DeviceError(fmt::format("timing.{}: must be a positive number, got {}", key, v));
}

// Cycles are whole; 0 is allowed (ecc_decode_cycles: a decode folded into the
// sense cycle).
void require_whole_cycles(double v, const char* key) {
  if (!(v >= 0) || v != std::floor(v) || v > 1e6)
    throw DeviceError(
        fmt::format("timing.{}: must be a whole number of cycles, 0..1e6, got {}", key, v));
}

}  // namespace

TimingConfig TimingConfig::for_technology(const tech::Technology& tech,
                                          const spec::TileConfig& tile) {
  const tech::TileEventEnergy e = tech::tile_event_energy({tile, tech::WeightCell::kNvm}, tech);
  TimingConfig t;
  t.clock_mhz = tech.clock_mhz.value;
  t.energy_pj = {e.lane_add,         e.weight_one, e.shift_add,    e.sram_byte,
                 e.nvm_program_byte, e.dma_byte,   e.ecc_row_read, e.ecc_row_program};
  return t;
}

TimingConfig TimingConfig::from_json(const nlohmann::json& j, const TimingConfig& base) {
  TimingConfig t = base;
  read_object(j, "timing", kTimingKeys, t, "energy_pj");
  if (j.contains("energy_pj"))
    read_object(j["energy_pj"], "timing.energy_pj", kEnergyKeys, t.energy_pj);
  t.validate();
  return t;
}

TimingConfig TimingConfig::from_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw DeviceError(fmt::format("{}: cannot open timing config", path.string()));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range.
    throw DeviceError(fmt::format("{}: not JSON: {}", path.string(), e.what()));
  }
  return from_json(j);
}

nlohmann::json TimingConfig::to_json() const {
  nlohmann::json j;
  for (const auto& [key, member] : kTimingKeys) j[key] = this->*member;
  for (const auto& [key, member] : kEnergyKeys) j["energy_pj"][key] = energy_pj.*member;
  return j;
}

void TimingConfig::validate() const {
  for (const auto& [key, member] : kTimingKeys)
    if (member != &TimingConfig::ecc_decode_cycles) require_positive(this->*member, key);
  require_whole_cycles(ecc_decode_cycles, "ecc_decode_cycles");
  for (const auto& [key, member] : kEnergyKeys) {
    const double v = energy_pj.*member;
    if (!(v >= 0) || !std::isfinite(v))
      throw DeviceError(fmt::format("timing.energy_pj.{}: must be >= 0, got {}", key, v));
  }
  // A bit plane raises rows, senses them and shift-adds in one tile cycle (the
  // RTL's cycle formulas), so each of these must fit the period.
  for (const char* key : {"nvm_read_ns", "sram_access_ns", "shift_add_ns"}) {
    const auto* hit = std::find_if(kTimingKeys.begin(), kTimingKeys.end(),
                                   [&](const auto& k) { return std::string(key) == k.first; });
    if (this->*(hit->second) > period_ns())
      throw DeviceError(fmt::format(
          "timing.{}: {} ns does not fit one cycle of clock_mhz={} ({} ns); lower the clock", key,
          this->*(hit->second), clock_mhz, period_ns()));
  }
}

}  // namespace hycim::device
