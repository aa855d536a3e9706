#include "sim/tech/nvm_faults.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "sim/tech/catalog.hpp"

namespace hycim::tech {
namespace {

constexpr double kBoltzmannEvPerK = 8.617333262e-5;
constexpr double kZeroCelsiusK = 273.15;

constexpr std::array<std::pair<const char*, Param NvmFaults::*>, 5> kTopKeys = {{
    {"stuck_at_0", &NvmFaults::stuck_at_0},
    {"stuck_at_1", &NvmFaults::stuck_at_1},
    {"read_disturb", &NvmFaults::read_disturb},
    {"write_error_rate", &NvmFaults::write_error_rate},
    {"endurance", &NvmFaults::endurance},
}};
constexpr std::array<std::pair<const char*, Param RetentionSpec::*>, 4> kRetentionKeys = {{
    {"ea_ev", &RetentionSpec::ea_ev},
    {"ber", &RetentionSpec::ber},
    {"time_s", &RetentionSpec::time_s},
    {"temp_c", &RetentionSpec::temp_c},
}};

template <class T, size_t N>
void read_all(const nlohmann::json& j, const std::string& where,
              const std::array<std::pair<const char*, Param T::*>, N>& keys, T& out,
              std::initializer_list<const char*> also_allowed) {
  if (!j.is_object()) throw TechError(fmt::format("{}: expected a JSON object", where));
  for (const auto& item : j.items()) {
    // A named variable, not a structured binding: clang before 16 (the
    // fuzzers' compiler) cannot capture a binding in a lambda.
    const std::string& key = item.key();
    const bool known =
        std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return key == k.first; }) ||
        std::any_of(also_allowed.begin(), also_allowed.end(),
                    [&](const char* k) { return key == k; });
    if (!known) throw TechError(fmt::format("{}.{}: unknown key", where, key));
  }
  for (const auto& [key, member] : keys) {
    if (!j.contains(key)) throw TechError(fmt::format("{}.{}: missing", where, key));
    out.*member = read_param(j[key], where + "." + key);
  }
}

template <class T, size_t N>
void write_all(nlohmann::json& j, const std::array<std::pair<const char*, Param T::*>, N>& keys,
               const T& in) {
  for (const auto& [key, member] : keys)
    j[key] = {{"value", (in.*member).value}, {"source", (in.*member).source}};
}

void probability(const Param& p, const std::string& key, bool one_allowed = false) {
  if (!(p.value >= 0) || p.value > 1 || (!one_allowed && p.value == 1))
    throw TechError(fmt::format("{}: {} is not a probability below 1", key, p.value));
}

double kelvin(double celsius) {
  return celsius + kZeroCelsiusK;
}

}  // namespace

NvmFaults NvmFaults::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw TechError("NVM faults: expected a JSON object");
  NvmFaults f;
  f.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "faults";
  read_all(j, f.name, kTopKeys, f, {"name", "doc", "retention"});
  if (!j.contains("retention")) throw TechError(fmt::format("{}.retention: missing", f.name));
  read_all(j["retention"], f.name + ".retention", kRetentionKeys, f.retention, {"flips_to"});
  if (j["retention"].contains("flips_to"))
    f.retention.flips_to = read_param(j["retention"]["flips_to"], f.name + ".retention.flips_to");
  if (j.contains("doc")) {
    if (!j["doc"].is_string()) throw TechError(fmt::format("{}.doc: expected a string", f.name));
    f.doc = j["doc"].get<std::string>();
  }
  f.validate();
  return f;
}

nlohmann::json NvmFaults::to_json() const {
  nlohmann::json j = {{"name", name}, {"doc", doc}};
  write_all(j, kTopKeys, *this);
  nlohmann::json r = nlohmann::json::object();
  write_all(r, kRetentionKeys, retention);
  // Left out when unset, so a model without it keeps the record it had.
  if (retention.flips_to)
    r["flips_to"] = {{"value", retention.flips_to->value}, {"source", retention.flips_to->source}};
  j["retention"] = r;
  return j;
}

void NvmFaults::validate() const {
  probability(stuck_at_0, name + ".stuck_at_0");
  probability(stuck_at_1, name + ".stuck_at_1");
  if (stuck_at_0.value + stuck_at_1.value >= 1)
    throw TechError(fmt::format("{}: stuck_at_0 + stuck_at_1 must stay below 1", name));
  probability(read_disturb, name + ".read_disturb");
  probability(write_error_rate, name + ".write_error_rate");
  probability(retention.ber, name + ".retention.ber");
  if (!(endurance.value >= 1))
    throw TechError(fmt::format("{}.endurance: {} programs; at least 1", name, endurance.value));
  if (!(retention.time_s.value > 0))
    throw TechError(fmt::format("{}.retention.time_s: must be positive", name));
  if (!(retention.ea_ev.value >= 0))
    throw TechError(fmt::format("{}.retention.ea_ev: must not be negative", name));
  if (retention.flips_to && retention.flips_to->value != 0 && retention.flips_to->value != 1)
    throw TechError(
        fmt::format("{}.retention.flips_to: {} (0 or 1)", name, retention.flips_to->value));
  if (!(kelvin(retention.temp_c.value) > 0))
    throw TechError(fmt::format("{}.retention.temp_c: below absolute zero", name));
}

double flip_probability(double hazard) {
  return hazard <= 0 ? 0 : -std::expm1(-hazard);
}

double NvmFaults::retention_hazard_per_s(double temp_c) const {
  const double at_ref = -std::log1p(-retention.ber.value) / retention.time_s.value;
  const double arrhenius = std::exp(retention.ea_ev.value / kBoltzmannEvPerK *
                                    (1 / kelvin(retention.temp_c.value) - 1 / kelvin(temp_c)));
  return at_ref * arrhenius;
}

double NvmFaults::read_hazard() const {
  return -std::log1p(-read_disturb.value);
}

double NvmFaults::write_error_at(uint64_t wear) const {
  const double used = std::min(1.0, double(wear) / endurance.value);
  if (write_error_rate.value <= 0) return used >= 1 ? 1 : 0;
  return std::pow(write_error_rate.value, 1 - used);
}

std::vector<std::string> nvm_fault_names() {
  std::vector<std::string> names;
  for (const CatalogEntry& e : fault_catalog()) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

NvmFaults load_nvm_faults(const std::string& name_or_path) {
  auto named = [&](nlohmann::json j, const std::string& name) {
    // Not an object: from_json says so (operator[] would throw a json error).
    if (j.is_object() && !j.contains("name")) j["name"] = name;
    return NvmFaults::from_json(j);
  };
  if (names_a_file(name_or_path)) {
    try {
      return named(read_json_file(name_or_path),
                   std::filesystem::path(name_or_path).stem().string());
    } catch (const TechError& e) {
      throw TechError(fmt::format("{}: {}", name_or_path, e.what()));
    }
  }
  for (const CatalogEntry& e : fault_catalog())
    if (name_or_path == e.name) return named(nlohmann::json::parse(e.json), e.name);
  throw TechError(fmt::format("NVM fault model '{}': not in the catalog ({}) and not a .json path",
                              name_or_path, fmt::join(nvm_fault_names(), ", ")));
}

}  // namespace hycim::tech
