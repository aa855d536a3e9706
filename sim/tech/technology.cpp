#include "sim/tech/technology.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <utility>

#include "sim/tech/catalog.hpp"

namespace hycim::tech {
namespace {

// One table per JSON object, so reading, writing and the unknown-key check
// cannot drift apart.
constexpr std::array<std::pair<const char*, Param Technology::*>, 8> kTopKeys = {{
    {"node_nm", &Technology::node_nm},
    {"vdd", &Technology::vdd},
    {"vth", &Technology::vth},
    {"alpha", &Technology::alpha},
    {"clock_mhz", &Technology::clock_mhz},
    {"fmax_mhz", &Technology::fmax_mhz},
    {"periphery", &Technology::periphery},
    {"leakage_nw_per_um2", &Technology::leakage_nw_per_um2},
}};
constexpr std::array<std::pair<const char*, Param EnergyFj::*>, 10> kEnergyKeys = {{
    {"wordline_cell", &EnergyFj::wordline_cell},
    {"sram_cell_read", &EnergyFj::sram_cell_read},
    {"nvm_cell_read", &EnergyFj::nvm_cell_read},
    {"tree_one", &EnergyFj::tree_one},
    {"accumulate_bit", &EnergyFj::accumulate_bit},
    {"register_bit", &EnergyFj::register_bit},
    {"sram_access_bit", &EnergyFj::sram_access_bit},
    {"nvm_program_bit", &EnergyFj::nvm_program_bit},
    {"link_bit", &EnergyFj::link_bit},
    {"xor2", &EnergyFj::xor2},
}};
constexpr std::array<std::pair<const char*, Param AreaUm2::*>, 9> kAreaKeys = {{
    {"sram_cell", &AreaUm2::sram_cell},
    {"nvm_cell", &AreaUm2::nvm_cell},
    {"wordline_driver", &AreaUm2::wordline_driver},
    {"full_adder", &AreaUm2::full_adder},
    {"flip_flop", &AreaUm2::flip_flop},
    {"controller", &AreaUm2::controller},
    {"host_interface", &AreaUm2::host_interface},
    {"xor2", &AreaUm2::xor2},
    {"and2", &AreaUm2::and2},
}};

template <class T, size_t N>
void read_table(const nlohmann::json& j, const std::string& where,
                const std::array<std::pair<const char*, Param T::*>, N>& keys, T& out,
                bool all_required) {
  if (!j.is_object()) throw TechError(fmt::format("{}: expected a JSON object", where));
  for (const auto& [key, member] : keys) {
    if (j.contains(key))
      out.*member = read_param(j[key], where + "." + key);
    else if (all_required)
      throw TechError(fmt::format("{}.{}: missing", where, key));
  }
}

template <class T, size_t N>
bool known(const std::array<std::pair<const char*, Param T::*>, N>& keys, const std::string& key) {
  return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return key == k.first; });
}

template <class T, size_t N>
nlohmann::json write_table(const std::array<std::pair<const char*, Param T::*>, N>& keys,
                           const T& in) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, member] : keys)
    j[key] = {{"value", (in.*member).value}, {"source", (in.*member).source}};
  return j;
}

void check_keys(const nlohmann::json& j, const std::string& where) {
  for (const auto& [key, v] : j.items()) {
    if (key == "name" || key == "doc" || key == "scale_from" || key == "calibration" ||
        key == "energy_fj" || key == "area_um2" || known(kTopKeys, key))
      continue;
    throw TechError(fmt::format("{}.{}: unknown key", where, key));
  }
  for (const char* sub : {"energy_fj", "area_um2"}) {
    if (!j.contains(sub)) continue;
    if (!j[sub].is_object())
      throw TechError(fmt::format("{}.{}: expected a JSON object", where, sub));
    for (const auto& [key, v] : j[sub].items()) {
      const bool ok =
          std::string(sub) == "energy_fj" ? known(kEnergyKeys, key) : known(kAreaKeys, key);
      if (!ok) throw TechError(fmt::format("{}.{}.{}: unknown key", where, sub, key));
    }
  }
}

// Bases of bases a technology may be derived through (the catalog's deepest
// chain is 2: hycim22 from cmos28).
constexpr int kMaxScaleFromDepth = 16;

std::string scaled_source(const Param& p, const char* rule) {
  return fmt::format("{} ({})", p.source, rule);
}

}  // namespace

Param read_param(const nlohmann::json& v, const std::string& where) {
  Param p;
  if (v.is_number()) {
    p.value = v.get<double>();
    p.source = "given";
    return p;
  }
  if (!v.is_object())
    throw TechError(fmt::format(
        "{}: expected a number or {{\"value\": .., \"source\": ..}}, got {}", where, v.dump()));
  for (const auto& [key, item] : v.items())
    if (key != "value" && key != "source")
      throw TechError(fmt::format("{}.{}: unknown key", where, key));
  if (!v.contains("value") || !v["value"].is_number())
    throw TechError(fmt::format("{}.value: a number is required", where));
  p.value = v["value"].get<double>();
  if (v.contains("source")) {
    if (!v["source"].is_string())
      throw TechError(fmt::format("{}.source: expected a string", where));
    p.source = v["source"].get<std::string>();
  }
  return p;
}

Technology Technology::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw TechError("technology: expected a JSON object");
  const std::string where =
      j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "technology";
  check_keys(j, where);
  Technology t;
  const bool derived = j.contains("scale_from");
  if (derived) {
    if (!j["scale_from"].is_string())
      throw TechError(fmt::format("{}.scale_from: expected a technology name", where));
    const std::string base_name = j["scale_from"].get<std::string>();
    if (base_name == where) throw TechError(fmt::format("{}.scale_from: names itself", where));
    // A file can name itself (or a file naming it) as its base by path: the
    // chain is cut rather than recursed until the stack overflows.
    thread_local int depth = 0;
    if (depth >= kMaxScaleFromDepth)
      throw TechError(fmt::format("{}.scale_from: '{}' is more than {} bases deep (a cycle?)",
                                  where, base_name, kMaxScaleFromDepth));
    struct Deeper {
      Deeper() { ++depth; }
      ~Deeper() { --depth; }
    } deeper;
    const Technology base = load_technology(base_name);
    for (const char* key : {"node_nm", "vdd", "clock_mhz"})
      if (!j.contains(key))
        throw TechError(fmt::format("{}.{}: required with scale_from", where, key));
    auto number = [&](const char* key) { return read_param(j[key], where + "." + key).value; };
    t = base.scaled(number("node_nm"), number("vdd")).with_clock(number("clock_mhz"));
  }
  if (j.contains("name")) {
    if (!j["name"].is_string()) throw TechError("technology.name: expected a string");
    t.name = j["name"].get<std::string>();
  }
  if (j.contains("doc")) {
    if (!j["doc"].is_string()) throw TechError(fmt::format("{}.doc: expected a string", where));
    t.doc = j["doc"].get<std::string>();
  }
  read_table(j, where, kTopKeys, t, !derived);
  read_table(j.contains("energy_fj") ? j["energy_fj"] : nlohmann::json::object(),
             where + ".energy_fj", kEnergyKeys, t.energy_fj, !derived);
  read_table(j.contains("area_um2") ? j["area_um2"] : nlohmann::json::object(), where + ".area_um2",
             kAreaKeys, t.area_um2, !derived);
  if (j.contains("calibration")) {
    const nlohmann::json& c = j["calibration"];
    const std::string at = where + ".calibration";
    if (!c.is_object()) throw TechError(fmt::format("{}: expected a JSON object", at));
    Calibration cal;
    for (const auto& [key, v] : c.items()) {
      if (key == "energy" || key == "area") {
        if (!v.is_number() || !(v.get<double>() > 0))
          throw TechError(fmt::format("{}.{}: expected a positive number", at, key));
        (key == "energy" ? cal.energy : cal.area) = v.get<double>();
      } else if (key == "macros") {
        if (!v.is_array() || v.size() > 2)
          throw TechError(fmt::format("{}.macros: a list of at most two macro names", at));
        for (const auto& n : v) {
          if (!n.is_string()) throw TechError(fmt::format("{}.macros: expected names", at));
          cal.macros.push_back(n.get<std::string>());
        }
      } else {
        throw TechError(fmt::format("{}.{}: unknown key", at, key));
      }
    }
    t = t.calibrated(cal);
  }
  t.validate();
  return t;
}

nlohmann::json Technology::to_json() const {
  nlohmann::json j = write_table(kTopKeys, *this);
  j["name"] = name;
  j["doc"] = doc;
  j["energy_fj"] = write_table(kEnergyKeys, energy_fj);
  j["area_um2"] = write_table(kAreaKeys, area_um2);
  j["calibration"] = {
      {"energy", calibration.energy}, {"area", calibration.area}, {"macros", calibration.macros}};
  return j;
}

Technology Technology::calibrated(const Calibration& c) const {
  static constexpr std::array kEnergies = {&EnergyFj::wordline_cell, &EnergyFj::sram_cell_read,
                                           &EnergyFj::tree_one, &EnergyFj::accumulate_bit,
                                           &EnergyFj::register_bit};
  static constexpr std::array kAreas = {&AreaUm2::sram_cell, &AreaUm2::wordline_driver,
                                        &AreaUm2::full_adder, &AreaUm2::flip_flop};
  const std::string on =
      c.macros.empty() ? std::string() : fmt::format("{}", fmt::join(c.macros, ", "));
  Technology t = *this;
  for (auto member : kEnergies) {
    Param& p = t.energy_fj.*member;
    p.value *= c.energy;
    if (!on.empty()) p.source += fmt::format("; x {:.4g} calibrated on {}", c.energy, on);
  }
  for (auto member : kAreas) {
    Param& p = t.area_um2.*member;
    p.value *= c.area;
    if (!on.empty()) p.source += fmt::format("; x {:.4g} calibrated on {}", c.area, on);
  }
  t.calibration.energy *= c.energy;
  t.calibration.area *= c.area;
  if (!c.macros.empty()) t.calibration.macros = c.macros;
  return t;
}

Technology Technology::uncalibrated() const {
  Technology t = calibrated({1 / calibration.energy, 1 / calibration.area, {}});
  t.calibration = {};
  return t;
}

double Technology::max_clock_mhz(double v) const {
  // Alpha-power law (Sakurai and Newton, 1990): delay ~ V / (V - Vth)^alpha.
  const auto speed = [&](double x) { return std::pow(x - vth.value, alpha.value) / x; };
  if (!(v > vth.value)) return 0;
  return fmax_mhz.value * speed(v) / speed(vdd.value);
}

Technology Technology::scaled(double node, double v) const {
  if (!(node > 0) || !(v > vth.value))
    throw TechError(
        fmt::format("{}: cannot scale to node {} nm at {} V (vth {} V)", name, node, v, vth.value));
  Technology t = *this;
  const double s = node / node_nm.value;  // feature size ratio
  const double e = s * (v / vdd.value) * (v / vdd.value);
  const std::string rule_e = fmt::format("x {:.4g} for {:g} nm, {:g} V", e, node, v);
  const std::string rule_a = fmt::format("x {:.4g} for {:g} nm", s * s, node);
  for (const auto& [key, member] : kEnergyKeys) {
    // Programming an NVM cell and driving the link are device and I/O
    // physics, not gate capacitance: they keep their values.
    if (member == &EnergyFj::nvm_program_bit || member == &EnergyFj::link_bit) continue;
    Param& p = t.energy_fj.*member;
    p.value *= e;
    p.source = scaled_source(p, rule_e.c_str());
  }
  for (const auto& [key, member] : kAreaKeys) {
    Param& p = t.area_um2.*member;
    p.value *= s * s;
    p.source = scaled_source(p, rule_a.c_str());
  }
  // Leakage current per device roughly holds across nodes at a given Vth;
  // devices per um^2 grow with 1/s^2 but each is s times narrower: 1/s per
  // um^2, times V for the power.
  t.leakage_nw_per_um2.value *= (v / vdd.value) / s;
  t.leakage_nw_per_um2.source = scaled_source(
      leakage_nw_per_um2,
      fmt::format("x {:.4g} for {:g} nm, {:g} V", (v / vdd.value) / s, node, v).c_str());
  // The clock this node reaches at v: gate delay scales with the feature
  // size, and with V by the alpha-power law.
  const double fmax = max_clock_mhz(v) / s;
  t.fmax_mhz = {
      fmax,
      scaled_source(fmax_mhz, fmt::format("alpha-power law at {:g} nm, {:g} V", node, v).c_str())};
  t.clock_mhz = {fmax, "fmax of the operating point"};
  t.node_nm = {node, "operating point"};
  t.vdd = {v, "operating point"};
  return t;
}

Technology Technology::with_clock(double clock) const {
  if (!(clock > 0) || clock > fmax_mhz.value * (1 + 1e-9))
    throw TechError(fmt::format("{}: {:g} MHz at {:g} V on {:g} nm is not in (0, fmax {:.4g} MHz]",
                                name, clock, vdd.value, node_nm.value, fmax_mhz.value));
  Technology t = *this;
  t.clock_mhz = {clock, "operating point"};
  return t;
}

void Technology::validate() const {
  auto positive = [&](const Param& p, const std::string& key) {
    if (!(p.value > 0) || !std::isfinite(p.value))
      throw TechError(fmt::format("{}.{}: must be a positive number, got {}", name, key, p.value));
  };
  auto non_negative = [&](const Param& p, const std::string& key) {
    if (!(p.value >= 0) || !std::isfinite(p.value))
      throw TechError(fmt::format("{}.{}: must be >= 0, got {}", name, key, p.value));
  };
  for (const auto& [key, member] : kTopKeys) {
    if (member == &Technology::periphery || member == &Technology::leakage_nw_per_um2)
      non_negative(this->*member, key);
    else
      positive(this->*member, key);
  }
  for (const auto& [key, member] : kEnergyKeys)
    non_negative(energy_fj.*member, std::string("energy_fj.") + key);
  for (const auto& [key, member] : kAreaKeys)
    non_negative(area_um2.*member, std::string("area_um2.") + key);
  if (!(vth.value < vdd.value))
    throw TechError(fmt::format("{}.vth: {} V is not below vdd {} V", name, vth.value, vdd.value));
  if (clock_mhz.value > fmax_mhz.value * (1 + 1e-9))
    throw TechError(fmt::format("{}.clock_mhz: {} MHz is above fmax_mhz {} MHz", name,
                                clock_mhz.value, fmax_mhz.value));
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw TechError(fmt::format("{}: cannot open", path.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range.
    throw TechError(fmt::format("{}: not JSON: {}", path.string(), e.what()));
  }
}

std::vector<std::string> technology_names() {
  std::vector<std::string> names;
  for (const CatalogEntry& e : technology_catalog()) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

bool names_a_file(const std::string& name_or_path) {
  return name_or_path.find('/') != std::string::npos ||
         (name_or_path.size() > 5 &&
          name_or_path.compare(name_or_path.size() - 5, 5, ".json") == 0);
}

Technology load_technology(const std::string& name_or_path) {
  if (names_a_file(name_or_path)) {
    try {
      return Technology::from_json(read_json_file(name_or_path));
    } catch (const TechError& e) {
      throw TechError(fmt::format("{}: {}", name_or_path, e.what()));
    }
  }
  for (const CatalogEntry& e : technology_catalog())
    if (name_or_path == e.name) return Technology::from_json(nlohmann::json::parse(e.json));
  throw TechError(fmt::format("technology '{}': not in the catalog ({}) and not a .json path",
                              name_or_path, fmt::join(technology_names(), ", ")));
}

}  // namespace hycim::tech
