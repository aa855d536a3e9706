#include "sim/tech/macro.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "sim/tech/catalog.hpp"
#include "sim/tech/tile_area.hpp"

namespace hycim::tech {
namespace {

void refuse_unknown(const nlohmann::json& j, const std::string& where,
                    const std::set<std::string>& keys) {
  if (!j.is_object()) throw TechError(fmt::format("{}: expected a JSON object", where));
  for (const auto& [key, v] : j.items())
    if (!keys.count(key)) throw TechError(fmt::format("{}.{}: unknown key", where, key));
}

double number(const nlohmann::json& j, const std::string& where, const char* key) {
  if (!j.contains(key)) throw TechError(fmt::format("{}.{}: missing", where, key));
  if (!j[key].is_number()) throw TechError(fmt::format("{}.{}: expected a number", where, key));
  return j[key].get<double>();
}

uint32_t count(const nlohmann::json& j, const std::string& where, const char* key, uint32_t lo,
               uint32_t hi, std::optional<uint32_t> fallback = std::nullopt) {
  if (!j.contains(key) && fallback) return *fallback;
  const double v = number(j, where, key);
  if (v != std::floor(v) || v < lo || v > hi)
    throw TechError(fmt::format("{}.{}: {} is not an integer in {}..{}", where, key, v, lo, hi));
  return static_cast<uint32_t>(v);
}

std::string text(const nlohmann::json& j, const std::string& where, const char* key) {
  if (!j.contains(key)) return {};
  if (!j[key].is_string()) throw TechError(fmt::format("{}.{}: expected a string", where, key));
  return j[key].get<std::string>();
}

std::optional<Figure> figure(const nlohmann::json& j, const std::string& where, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  const std::string at = where + "." + key;
  refuse_unknown(j[key], at, {"value", "source"});
  Figure f{number(j[key], at, "value"), text(j[key], at, "source")};
  if (!(f.value > 0)) throw TechError(fmt::format("{}.value: must be positive", at));
  if (f.source.empty())
    throw TechError(fmt::format("{}.source: a published figure needs its source", at));
  return f;
}

MacroPoint read_point(const nlohmann::json& j, const std::string& where) {
  refuse_unknown(j, where,
                 {"vdd", "clock_mhz", "xbits", "wbits", "activity", "tops_w", "tops_mm2",
                  "fj_per_mac", "note"});
  MacroPoint p;
  p.vdd = number(j, where, "vdd");
  p.clock_mhz = number(j, where, "clock_mhz");
  if (!(p.vdd > 0) || !(p.clock_mhz > 0))
    throw TechError(fmt::format("{}: vdd and clock_mhz must be positive", where));
  p.xbits = count(j, where, "xbits", 1, 16);
  p.wbits = count(j, where, "wbits", 1, 16);
  if (j.contains("activity")) {
    const std::string at = where + ".activity";
    refuse_unknown(j["activity"], at, {"input_ones", "weight_ones"});
    p.activity.input_ones = number(j["activity"], at, "input_ones");
    p.activity.weight_ones = number(j["activity"], at, "weight_ones");
    for (double d : {p.activity.input_ones, p.activity.weight_ones})
      if (!(d >= 0 && d <= 1)) throw TechError(fmt::format("{}: densities are in [0, 1]", at));
  }
  p.tops_w = figure(j, where, "tops_w");
  p.tops_mm2 = figure(j, where, "tops_mm2");
  p.fj_per_mac = figure(j, where, "fj_per_mac");
  if (!p.tops_w && !p.tops_mm2 && !p.fj_per_mac)
    throw TechError(fmt::format("{}: no published figure (tops_w, tops_mm2 or fj_per_mac)", where));
  return p;
}

double relative(double predicted, const std::optional<Figure>& published) {
  return predicted / published->value - 1;
}

}  // namespace

Macro Macro::from_json(const nlohmann::json& j, const std::string& name) {
  const std::string where = "macro " + name;
  refuse_unknown(j, where,
                 {"title", "venue", "citation", "doc", "mechanism", "node_nm", "weight_cell",
                  "banks", "rows", "rows_per_cycle", "lanes", "wbits", "input_bits_per_cycle",
                  "input_encoding", "area_mm2", "calibration", "model_error_bound", "points"});
  Macro m;
  m.name = name;
  m.title = text(j, where, "title");
  m.venue = text(j, where, "venue");
  m.citation = text(j, where, "citation");
  m.doc = text(j, where, "doc");
  if (m.title.empty() || m.citation.empty())
    throw TechError(fmt::format("{}: title and citation are required", where));
  m.node_nm = number(j, where, "node_nm");
  if (!(m.node_nm > 0)) throw TechError(fmt::format("{}.node_nm: must be positive", where));
  const std::string mechanism = j.contains("mechanism") ? text(j, where, "mechanism") : "digital";
  if (mechanism != "digital" && mechanism != "analog")
    throw TechError(fmt::format("{}.mechanism: '{}' is not digital or analog", where, mechanism));
  m.digital = mechanism == "digital";
  const std::string cell = j.contains("weight_cell") ? text(j, where, "weight_cell") : "sram";
  if (cell == "sram")
    m.weight_cell = WeightCell::kSram;
  else if (cell == "nvm")
    m.weight_cell = WeightCell::kNvm;
  else
    throw TechError(fmt::format("{}.weight_cell: '{}' is not sram or nvm", where, cell));
  m.banks = count(j, where, "banks", 1, 1u << 16, 1u);
  m.rows = count(j, where, "rows", 1, 1u << 16);
  m.rows_per_cycle = count(j, where, "rows_per_cycle", 1, m.rows, m.rows);
  m.lanes = count(j, where, "lanes", 1, 1u << 16);
  m.wbits = count(j, where, "wbits", 1, 16);
  m.input_bits_per_cycle = count(j, where, "input_bits_per_cycle", 1, 16, 1u);
  const std::string encoding =
      j.contains("input_encoding") ? text(j, where, "input_encoding") : "binary";
  if (encoding != "binary" && encoding != "booth")
    throw TechError(fmt::format("{}.input_encoding: '{}' is not binary or booth", where, encoding));
  m.booth = encoding == "booth";
  if (m.booth && m.input_bits_per_cycle != 2)
    throw TechError(fmt::format("{}.input_encoding: booth takes two input bits a cycle", where));
  m.area_mm2 = figure(j, where, "area_mm2");
  if (j.contains("calibration")) {
    if (!j["calibration"].is_boolean())
      throw TechError(fmt::format("{}.calibration: expected true or false", where));
    m.calibration = j["calibration"].get<bool>();
  }
  if (j.contains("model_error_bound")) {
    const std::string at = where + ".model_error_bound";
    refuse_unknown(j["model_error_bound"], at, {"energy", "area"});
    m.bound_energy = number(j["model_error_bound"], at, "energy");
    m.bound_area = number(j["model_error_bound"], at, "area");
  }
  if (!j.contains("points") || !j["points"].is_array() || j["points"].empty())
    throw TechError(
        fmt::format("{}.points: a non-empty list of operating points is required", where));
  for (size_t i = 0; i < j["points"].size(); ++i)
    m.points.push_back(read_point(j["points"][i], fmt::format("{}.points[{}]", where, i)));
  return m;
}

CimArray macro_array(const Macro& m, const MacroPoint& p) {
  spec::TileConfig t{};
  t.name = "macro";
  t.lanes = m.lanes;
  t.wbits = p.wbits;
  t.xbits = p.xbits;
  t.nvm_rows = m.rows;  // the weight rows (cell kind: weight_cell)
  t.sram_rows = 0;
  t.rows_per_cycle = m.rows_per_cycle;
  // Wide enough for the exact sum: product bits plus the tree's growth.
  t.acc_bits = p.xbits + p.wbits + static_cast<uint32_t>(std::ceil(std::log2(double(m.rows))));
  // Macros latch their inputs in registers, not in SRAM rows.
  return {t, m.weight_cell, m.input_bits_per_cycle, m.booth, true};
}

std::vector<Prediction> predict(const Macro& m, const Technology& tech) {
  std::vector<Prediction> out;
  for (const MacroPoint& p : m.points) {
    // The clock is the macro's own; the model's fmax is reported beside it.
    Technology at = tech.scaled(m.node_nm, p.vdd);
    Prediction r;
    r.point = &p;
    r.fmax_mhz = at.fmax_mhz.value;
    at.clock_mhz = {p.clock_mhz, "the macro's published clock"};
    const CimArray a = macro_array(m, p);
    const double cycles = std::ceil(double(p.xbits) / m.input_bits_per_cycle) *
                          std::ceil(double(m.rows) / m.rows_per_cycle);
    r.latency_ns = cycles * 1000.0 / p.clock_mhz;
    const double ops = 2.0 * m.rows * m.lanes * m.banks;  // per MVM over all banks
    MvmEnergy e = mvm_energy(a, at, m.rows, p.xbits, p.activity, r.latency_ns);
    for (double* part : {&e.array, &e.tree, &e.shift_add, &e.input, &e.leakage}) *part *= m.banks;
    r.energy = e;
    r.tops = ops / r.latency_ns * 1e-3;  // ops/ns = 1e9 ops/s
    r.tops_w = ops / e.total();          // ops per pJ = TOPS/W
    r.fj_per_mac = e.total() * 1e3 / (ops / 2);
    // One controller (and its share of the periphery) drives all the banks.
    const TileArea bank = tile_area(a, at);
    const double controller = bank.controller * (1 + at.periphery.value);
    r.area_mm2 = ((bank.total() - controller) * m.banks + controller) * 1e-6;
    r.tops_mm2 = r.tops / r.area_mm2;
    if (p.tops_w) r.err_tops_w = relative(r.tops_w, p.tops_w);
    if (p.tops_mm2) r.err_tops_mm2 = relative(r.tops_mm2, p.tops_mm2);
    if (p.fj_per_mac) r.err_fj_per_mac = relative(r.fj_per_mac, p.fj_per_mac);
    if (m.area_mm2) r.err_area = relative(r.area_mm2, m.area_mm2);
    out.push_back(r);
  }
  return out;
}

std::vector<Macro> catalog_macros() {
  std::vector<Macro> out;
  for (const CatalogEntry& e : macro_catalog())
    out.push_back(Macro::from_json(nlohmann::json::parse(e.json), e.name));
  std::sort(out.begin(), out.end(), [](const Macro& a, const Macro& b) { return a.name < b.name; });
  return out;
}

Macro load_macro(const std::filesystem::path& path) {
  return Macro::from_json(read_json_file(path), path.stem().string());
}

Calibration calibrate(const std::vector<Macro>& macros, const Technology& tech) {
  // The factors are geometric means of published / predicted. Input latching
  // and leakage are not scaled, and leakage follows the area, so one step
  // does not land exactly: repeat until the factors stop moving.
  Calibration total;
  for (const Macro& m : macros) total.macros.push_back(m.name);
  for (int step = 0; step < 50; ++step) {
    // Values only: the sources are annotated once, by the caller.
    const Technology t = tech.calibrated({total.energy, total.area, {}});
    double log_e = 0, log_a = 0;
    int n_e = 0, n_a = 0;
    for (const Macro& m : macros) {
      const std::vector<Prediction> rs = predict(m, t);
      for (const Prediction& r : rs) {
        // TOPS/W too high means the model's energy is too low: scale it up.
        if (r.err_tops_w) {
          log_e += std::log(1 + *r.err_tops_w);
          ++n_e;
        } else if (r.err_fj_per_mac) {
          log_e -= std::log(1 + *r.err_fj_per_mac);
          ++n_e;
        }
      }
      if (rs.front().err_area) {
        log_a -= std::log(1 + *rs.front().err_area);
        ++n_a;
      }
    }
    const double de = n_e ? std::exp(log_e / n_e) : 1, da = n_a ? std::exp(log_a / n_a) : 1;
    total.energy *= de;
    total.area *= da;
    if (n_e == 0 && n_a == 0) break;
    if (std::abs(de - 1) < 1e-12 && std::abs(da - 1) < 1e-12) break;
  }
  return total;
}

}  // namespace hycim::tech
