// `hycim macros [FILE.json ...] [--tech NAME|PATH] [--json] [--calibrate]`:
// published CIM macros (spec/macros, or the files given) beside what this
// project's energy, area and timing model predicts for each from nothing but
// its description, with the relative errors and their mean over the digital
// macros the technology was not calibrated on. --calibrate fits the
// technology's SRAM compute energies and areas on the macros marked
// "calibration" and prints the factors (docs/device.md, "Calibration").
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "host-tools/command_registry.hpp"
#include "sim/tech/macro.hpp"

namespace {

using namespace hycim;

struct MacrosOptions {
  std::vector<std::string> files;
  std::string tech = "cmos28";
  bool json = false;
  bool calibrate = false;
};

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json published(const std::optional<tech::Figure>& f) {
  return f ? nlohmann::json(f->value) : nlohmann::json(nullptr);
}

std::string cell(const std::optional<tech::Figure>& pub, double pred,
                 const std::optional<double>& err) {
  if (!pub) return fmt::format("{:>8} {:>8.4g} {:>7}", "-", pred, "");
  return fmt::format("{:>8.4g} {:>8.4g} {:>+6.0f}%", pub->value, pred, *err * 100);
}

void run(const MacrosOptions& o) {
  tech::Technology t;
  std::vector<tech::Macro> macros;
  try {
    t = tech::load_technology(o.tech);
    if (o.files.empty())
      macros = tech::catalog_macros();
    else
      for (const auto& f : o.files) macros.push_back(tech::load_macro(f));
  } catch (const tech::TechError& e) {
    throw cli::CliError(e.what(), 2);
  }
  if (o.calibrate) {
    std::vector<tech::Macro> on;
    for (const auto& m : macros)
      if (m.calibration) on.push_back(m);
    if (on.empty() || on.size() > 2)
      throw cli::CliError(fmt::format("--calibrate: {} macros are marked \"calibration\"; "
                                      "calibrate on one or two",
                                      on.size()),
                          2);
    const tech::Calibration c = tech::calibrate(on, t.uncalibrated());
    const nlohmann::json j = {
        {"technology", t.name},
        {"calibration", {{"energy", c.energy}, {"area", c.area}, {"macros", c.macros}}},
        {"in_file", {{"energy", t.calibration.energy}, {"area", t.calibration.area}}}};
    if (o.json) {
      fmt::print("{}\n", j.dump(2));
      return;
    }
    fmt::print(
        "{} calibrated on {}: energy x {:.6g}, area x {:.6g} (the file has x {:.6g}, x {:.6g})\n",
        t.name, fmt::join(c.macros, ", "), c.energy, c.area, t.calibration.energy,
        t.calibration.area);
    return;
  }

  nlohmann::json rows = nlohmann::json::array();
  double sum_w = 0, sum_mm2 = 0, sum_area = 0;
  int n_w = 0, n_mm2 = 0, n_area = 0;
  if (!o.json)
    fmt::print(
        "{:<24} {:>5} {:>5} {:>5} | {:>8} {:>8} {:>7} | {:>8} {:>8} {:>7} | {:>8} {:>8} {:>7} "
        "| {:>8} {:>8} {:>7} | {:>8}\n",
        "macro", "V", "MHz", "x/w", "TOPS/W", "model", "err", "TOPS/mm2", "model", "err", "fJ/MAC",
        "model", "err", "mm2", "model", "err", "ns/MVM");
  for (const tech::Macro& m : macros) {
    std::vector<tech::Prediction> ps;
    try {
      ps = tech::predict(m, t);
    } catch (const tech::TechError& e) {
      throw cli::CliError(fmt::format("macro {}: {}", m.name, e.what()));
    }
    // Each macro counts once: the mean of its points' errors.
    if (m.digital && !m.calibration) {
      double w = 0, mm2 = 0;
      int nw = 0, nmm2 = 0;
      for (const tech::Prediction& p : ps) {
        if (p.energy_error()) w += std::abs(*p.energy_error()), ++nw;
        if (p.err_tops_mm2) mm2 += std::abs(*p.err_tops_mm2), ++nmm2;
      }
      if (nw) sum_w += w / nw, ++n_w;
      if (nmm2) sum_mm2 += mm2 / nmm2, ++n_mm2;
      if (ps.front().err_area) sum_area += std::abs(*ps.front().err_area), ++n_area;
    }
    for (size_t i = 0; i < ps.size(); ++i) {
      const tech::Prediction& p = ps[i];
      const tech::MacroPoint& pt = *p.point;
      rows.push_back({{"macro", m.name},
                      {"venue", m.venue},
                      {"mechanism", m.digital ? "digital" : "analog"},
                      {"calibration", m.calibration},
                      {"node_nm", m.node_nm},
                      {"vdd", pt.vdd},
                      {"clock_mhz", pt.clock_mhz},
                      {"model_fmax_mhz", p.fmax_mhz},
                      {"xbits", pt.xbits},
                      {"wbits", pt.wbits},
                      {"tops_w", published(pt.tops_w)},
                      {"model_tops_w", p.tops_w},
                      {"err_tops_w", optional_number(p.err_tops_w)},
                      {"tops_mm2", published(pt.tops_mm2)},
                      {"model_tops_mm2", p.tops_mm2},
                      {"err_tops_mm2", optional_number(p.err_tops_mm2)},
                      {"fj_per_mac", published(pt.fj_per_mac)},
                      {"model_fj_per_mac", p.fj_per_mac},
                      {"err_fj_per_mac", optional_number(p.err_fj_per_mac)},
                      {"area_mm2", published(m.area_mm2)},
                      {"model_area_mm2", p.area_mm2},
                      {"err_area", optional_number(p.err_area)},
                      {"model_tops", p.tops},
                      {"model_latency_ns", p.latency_ns},
                      {"model_energy_pj",
                       {{"array", p.energy.array},
                        {"tree", p.energy.tree},
                        {"shift_add", p.energy.shift_add},
                        {"input", p.energy.input},
                        {"leakage", p.energy.leakage}}}});
      if (o.json) continue;
      const std::string tag = m.calibration ? " (cal)" : m.digital ? "" : " (analog)";
      fmt::print("{:<24} {:>5.2f} {:>5.0f} {:>2}/{:<2} | {} | {} | {} | {} | {:>8.4g}\n",
                 i == 0 ? m.name + tag : "", pt.vdd, pt.clock_mhz, pt.xbits, pt.wbits,
                 cell(pt.tops_w, p.tops_w, p.err_tops_w),
                 cell(pt.tops_mm2, p.tops_mm2, p.err_tops_mm2),
                 cell(pt.fj_per_mac, p.fj_per_mac, p.err_fj_per_mac),
                 cell(i == 0 ? m.area_mm2 : std::nullopt, p.area_mm2, p.err_area), p.latency_ns);
    }
  }
  const auto mean = [](double s, int n) {
    return n ? nlohmann::json(s / n) : nlohmann::json(nullptr);
  };
  const nlohmann::json summary = {
      {"technology", t.name},
      {"calibrated_on", t.calibration.macros},
      {"mae_tops_w", mean(sum_w, n_w)},
      {"mae_tops_mm2", mean(sum_mm2, n_mm2)},
      {"mae_area", mean(sum_area, n_area)},
      {"counted",
       "digital macros not used for calibration, each the mean of its points; energy per op as "
       "TOPS/W (from fJ/MAC where that is published)"}};
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"macros", rows}, {"summary", summary}}.dump(2));
    return;
  }
  auto pct = [](double s, int n) {
    return n ? fmt::format("{:.1f} % over {}", 100 * s / n, n) : std::string("-");
  };
  fmt::print(
      "\ntechnology {} (calibrated on {}); mean |error| over the digital macros not used "
      "for calibration:\n  energy per op (TOPS/W, fJ/MAC) {}, TOPS/mm2 {}, area {}\n",
      t.name, fmt::join(t.calibration.macros, ", "), pct(sum_w, n_w), pct(sum_mm2, n_mm2),
      pct(sum_area, n_area));
}

void setup(CLI::App& root) {
  auto opts = std::make_shared<MacrosOptions>();
  auto* c = root.add_subcommand(
      "macros", "Published CIM macros against this model's energy, area and latency");
  c->add_option("files", opts->files,
                "macro descriptions (JSON); default: the catalog (spec/macros)");
  c->add_option("--tech", opts->tech, "technology the predictions scale from (name or JSON path)");
  c->add_flag("--json", opts->json, "print JSON");
  c->add_flag("--calibrate", opts->calibrate,
              "fit the technology on the macros marked \"calibration\" and print the factors");
  c->callback([opts] { run(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(macros, setup);
