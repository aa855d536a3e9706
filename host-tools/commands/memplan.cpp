// hycim memplan: the GPU memory planner from the command line.
//   trace     write a training trace of a published network (or a distillation pair)
//   plan      plan a trace under a budget with one planner, write the plan
//   simulate  replay a plan: peak, added time, optional Chrome-trace timeline
//   compare   every planner on one trace and budget, side by side
//   execute   carry a plan out on the host executor; optionally record a trace
//   hardware  print the hardware model, optionally with measured link bandwidths
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>

#include "host-tools/command_registry.hpp"
#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/executor.hpp"
#include "runtime/memplan/link_probe.hpp"
#include "runtime/memplan/networks.hpp"
#include "runtime/memplan/trace_json.hpp"

namespace hycim::cli {
namespace {

namespace mp = hycim::memplan;
using nlohmann::json;

struct Common {
  std::string trace, hardware, budget, out, plan, chrome, record;
  double fraction = 0, time_limit = 10, cim_slowdown = 2.0;
  std::string planner = "ilp";
  bool json_out = false, offload = false;
};

// "8GiB", "1.5G", "300M", "4096": bytes (K/M/G are powers of 1000, KiB... of 1024).
std::uint64_t parse_bytes(const std::string& s) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    throw CliError(fmt::format("--budget '{}' is not a size (e.g. 8GiB, 500M, 123456)", s), 2);
  }
  const std::string unit = s.substr(pos);
  const std::pair<const char*, double> units[] = {
      {"", 1},    {"B", 1},      {"K", 1e3},         {"M", 1e6},
      {"G", 1e9}, {"KiB", 1024}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
  for (const auto& [name, mul] : units)
    if (unit == name && v > 0) return static_cast<std::uint64_t>(v * mul);
  throw CliError(
      fmt::format("--budget '{}' is not a positive size (units: B K M G KiB MiB GiB)", s), 2);
}

mp::Hardware load_hardware(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) throw CliError("cannot open hardware file '" + path + "'");
  try {
    return mp::hardware_from_json(json::parse(in));
  } catch (const json::parse_error& e) {
    throw CliError("hardware file '" + path + "' is not valid JSON: " + e.what());
  }
}

void write_json(const json& j, const std::string& path) {
  if (path.empty() || path == "-") {
    std::cout << j.dump(1) << "\n";
    return;
  }
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) throw CliError("cannot write '" + path + "'");
}

std::uint64_t budget_of(const Common& c, const mp::Trace& tr, const std::vector<mp::Lifetime>& lt) {
  if (!c.budget.empty() && c.fraction > 0)
    throw CliError("give --budget or --fraction, not both", 2);
  if (!c.budget.empty()) return parse_bytes(c.budget);
  if (c.fraction > 0 && c.fraction <= 1)
    return static_cast<std::uint64_t>(c.fraction * static_cast<double>(mp::unmanaged_peak(tr, lt)));
  throw CliError(
      "a budget is needed: --budget SIZE or --fraction F (0 < F <= 1 of the unmanaged peak)", 2);
}

std::string gib(std::uint64_t b) {
  if (b < (1u << 20)) return fmt::format("{} B", b);
  if (b < (1u << 30)) return fmt::format("{:.2f} MiB", b / 1048576.0);
  return fmt::format("{:.3f} GiB", b / 1073741824.0);
}

void print_row(const mp::Evaluation& e) {
  const auto& r = e.sim;
  std::cout << fmt::format(
      "{:<13} {:<4} peak {:>12} added {:>10.1f} us ({:>6.2f}%) solve {:>7.3f} s  {}\n", e.planner,
      e.ok() ? "fits" : "OVER", gib(r.peak_bytes), r.added_us,
      100.0 * r.added_us / std::max(r.ideal_us, 1e-9), e.outcome.solve_s,
      e.outcome.gap >= 0 ? fmt::format("gap {:.2f}% ({})", 100 * e.outcome.gap, e.outcome.status)
                         : "");
}

void add_budget(CLI::App* s, Common& c) {
  s->add_option("trace", c.trace, "trace JSON (hycim-memplan-trace)")
      ->required()
      ->check(CLI::ExistingFile);
  s->add_option("--budget", c.budget, "device memory budget, e.g. 8GiB");
  s->add_option("--fraction", c.fraction, "budget as a fraction of the unmanaged peak");
  s->add_option("--hardware", c.hardware, "hardware model JSON (see docs/memplan.md)");
  s->add_flag("--offload", c.offload, "run fixed-weight (inference) ops on the CIM device");
  s->add_option("--cim-slowdown", c.cim_slowdown,
                "CIM device time relative to the GPU for offloaded ops");
  s->add_flag("--json", c.json_out, "machine-readable output");
}

void setup(CLI::App& app) {
  auto c = std::make_shared<Common>();
  auto* root = app.add_subcommand("memplan", "GPU memory planner: traces, plans, replay");
  root->require_subcommand(1);

  auto* tr = root->add_subcommand("trace", "write the training trace of a network");
  static std::string network = "resnet50", teacher;
  static int batch = 32;
  tr->add_option("--network", network, "vgg16 | resnet50 | bert-base");
  tr->add_option("--teacher", teacher, "add a fixed-weight teacher (distillation)");
  tr->add_option("--batch", batch, "batch size")->check(CLI::PositiveNumber);
  tr->add_option("--hardware", c->hardware, "hardware model JSON for op times");
  tr->add_option("-o,--output", c->out, "output file (default: stdout)");
  tr->callback([c] {
    const auto hw = load_hardware(c->hardware);
    const auto t = teacher.empty() ? mp::make_network(network, batch, hw)
                                   : mp::make_distillation(network, teacher, batch, hw);
    write_json(mp::trace_to_json(t), c->out);
  });

  auto* pl = root->add_subcommand("plan", "plan a trace under a budget");
  add_budget(pl, *c);
  pl->add_option("--planner", c->planner,
                 "none | swap-all | capuchin | chen-sqrt | griewank-log | checkmate | ilp");
  pl->add_option("--time-limit", c->time_limit, "solver time limit, seconds");
  pl->add_option("-o,--output", c->out, "plan file to write");

  auto* sim = root->add_subcommand("simulate", "replay a plan and report peak and added time");
  add_budget(sim, *c);
  sim->add_option("plan", c->plan, "plan JSON")->required()->check(CLI::ExistingFile);
  sim->add_option("--chrome-trace", c->chrome, "write the timeline as Chrome-trace JSON");

  auto* cmp = root->add_subcommand("compare", "run every planner on one trace and budget");
  add_budget(cmp, *c);
  cmp->add_option("--time-limit", c->time_limit, "solver time limit, seconds");

  auto* ex = root->add_subcommand("execute", "carry a plan out on the host executor");
  add_budget(ex, *c);
  ex->add_option("plan", c->plan, "plan JSON")->required()->check(CLI::ExistingFile);
  ex->add_option("--record", c->record, "write the trace as measured by the executor");

  auto* hwc = root->add_subcommand("hardware", "print the hardware model as JSON");
  static bool measure = false;
  hwc->add_flag("--measure", measure, "measure host<->device copy bandwidth (GPU if present)");
  hwc->add_option("--hardware", c->hardware, "start from this hardware model JSON");
  hwc->add_option("-o,--output", c->out, "output file (default: stdout)");
  hwc->callback([c] {
    auto hw = load_hardware(c->hardware);
    if (measure) {
      auto be = mp::make_cuda_backend();
      if (!be) be = mp::make_host_backend();
      hw = mp::measure_links(*be, hw);
      std::cerr << "measured on the " << be->name() << " backend\n";
    }
    write_json(mp::hardware_to_json(hw), c->out);
  });

  auto context = [c] {
    auto t = std::make_shared<mp::Trace>(mp::load_trace(c->trace));
    return t;
  };
  auto settings = [c](std::unique_ptr<mp::ModelOffloadTarget>& cim) {
    mp::EvalSettings s;
    s.hw = load_hardware(c->hardware);
    s.time_limit_s = c->time_limit;
    if (c->offload) {
      cim = std::make_unique<mp::ModelOffloadTarget>(~std::uint64_t{0}, c->cim_slowdown);
      s.offload = cim.get();
    }
    return s;
  };
  auto report = [c](const mp::Evaluation& e) {
    if (c->json_out) {
      std::cout << mp::evaluation_to_json(e).dump(1) << "\n";
    } else {
      print_row(e);
    }
  };
  pl->callback([=] {
    const auto t = context();
    const auto lt = mp::analyze(*t);
    std::unique_ptr<mp::ModelOffloadTarget> cim;
    const auto e = mp::evaluate(*t, lt, c->planner, budget_of(*c, *t, lt), settings(cim));
    if (!c->out.empty()) write_json(mp::plan_to_json(*t, e.outcome.plan), c->out);
    report(e);
    if (!e.ok())
      throw CliError(fmt::format("planner '{}' found no plan within the budget", c->planner));
  });
  sim->callback([=] {
    const auto t = context();
    const auto lt = mp::analyze(*t);
    std::ifstream in(c->plan);
    const mp::Plan p = mp::plan_from_json(*t, json::parse(in, nullptr, false));
    std::unique_ptr<mp::ModelOffloadTarget> cim;
    const auto s = settings(cim);
    mp::Evaluation e;
    e.planner = p.planner;
    e.outcome.plan = p;
    e.sim = mp::simulate(*t, lt, p, s.hw, budget_of(*c, *t, lt), s.offload);
    if (!c->chrome.empty()) write_json(mp::chrome_trace(*t, e.sim), c->chrome);
    report(e);
    if (!e.sim.valid) throw CliError("invalid plan: " + e.sim.error);
    if (!e.sim.within_budget)
      throw CliError(
          fmt::format("plan exceeds the budget at op '{}'", t->ops[e.sim.first_over_budget].name));
  });
  cmp->callback([=] {
    const auto t = context();
    const auto lt = mp::analyze(*t);
    std::unique_ptr<mp::ModelOffloadTarget> cim;
    const auto s = settings(cim);
    const auto budget = budget_of(*c, *t, lt);
    const auto off = s.offload ? mp::choose_offload(*t, *s.offload).offloaded : std::vector<bool>{};
    mp::check_budget(*t, lt, off, budget);  // one clear error instead of one per planner
    json all = json::array();
    if (!c->json_out)
      std::cout << fmt::format("{} batch {}: unmanaged peak {}, budget {}\n", t->network, t->batch,
                               gib(mp::unmanaged_peak(*t, lt)), gib(budget));
    for (const auto& name : mp::planner_names()) {
      const auto e = mp::evaluate(*t, lt, name, budget, s);
      if (c->json_out)
        all.push_back(mp::evaluation_to_json(e));
      else
        print_row(e);
    }
    if (c->json_out) std::cout << all.dump(1) << "\n";
  });
  ex->callback([=] {
    const auto t = context();
    const auto lt = mp::analyze(*t);
    std::ifstream in(c->plan);
    const mp::Plan p = mp::plan_from_json(*t, json::parse(in, nullptr, false));
    auto be = mp::make_cuda_backend();
    if (!be) be = mp::make_host_backend();
    const auto budget = budget_of(*c, *t, lt);
    const auto r = mp::execute(*t, lt, p, *be, budget + 512 * t->tensors.size());
    if (!r.ok) throw CliError(r.error);
    std::cout << fmt::format(
        "{}: peak {} bytes (budget {}), {} swapped, {} recomputed, {} mismatches, "
        "fragmentation {:.1f}%\n",
        be->name(), r.alloc.peak_requested, budget, r.swapped_out, r.recomputed, r.mismatches,
        100 * r.alloc.fragmentation());
    if (!c->record.empty()) mp::save_trace(mp::record_trace(*t, r), c->record);
    if (r.mismatches) throw CliError("restored tensors differ from the originals");
  });
}

}  // namespace
HYCIM_CLI_COMMAND(memplan, setup);
}  // namespace hycim::cli
