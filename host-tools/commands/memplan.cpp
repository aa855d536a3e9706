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
#include "host-tools/progress.hpp"
#include "runtime/memplan/device_offload.hpp"
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
  std::string trace, hardware, budget, out, plan, chrome, record, device_profile;
  double fraction = 0, time_limit = 10, cim_slowdown = 2.0;
  std::string planner = "ilp";
  bool json_out = false, offload = false, measure = false;
  std::string network = "resnet50", teacher;
  int batch = 32;
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

// With --json, stdout carries the command's own document: a second one there
// would make it unreadable.
void check_output(const Common& c, const std::string& path, const char* flag) {
  if (c.json_out && path == "-")
    throw CliError(fmt::format("{} - and --json both write to stdout; give {} a file", flag, flag),
                   2);
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
                "what-if: CIM device time relative to the GPU for offloaded ops");
  s->add_option("--device-profile", c.device_profile,
                "offload with the device's own figures per op (hycim-device-profile JSON, "
                "from a run on the device); implies --offload")
      ->check(CLI::ExistingFile);
  s->add_flag("--json", c.json_out, "machine-readable output");
}

struct Loaded {
  mp::Trace trace;
  std::vector<mp::Lifetime> lt;
};

Loaded load(const Common& c) {
  Loaded l{mp::load_trace(c.trace), {}};
  l.lt = mp::analyze(l.trace);
  return l;
}

mp::Plan load_plan(const mp::Trace& t, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CliError("cannot open plan file '" + path + "'");
  try {
    return mp::plan_from_json(t, json::parse(in));
  } catch (const json::parse_error& e) {
    throw CliError("plan file '" + path + "' is not valid JSON: " + e.what());
  }
}

// `cim` owns the offload target the settings point at, when --offload or
// --device-profile.
mp::EvalSettings settings(const Common& c, std::unique_ptr<mp::OffloadTarget>& cim) {
  mp::EvalSettings s;
  s.hw = load_hardware(c.hardware);
  s.time_limit_s = c.time_limit;
  if (!c.device_profile.empty()) {
    try {
      cim = std::make_unique<mp::DeviceOffloadTarget>(mp::load_device_profile(c.device_profile));
    } catch (const std::runtime_error& e) {
      throw CliError(e.what());
    }
    s.offload = cim.get();
  } else if (c.offload) {
    cim = std::make_unique<mp::ModelOffloadTarget>(~std::uint64_t{0}, c.cim_slowdown);
    s.offload = cim.get();
  }
  return s;
}

void report(const Common& c, const mp::Evaluation& e, const mp::Trace* trace = nullptr) {
  if (c.json_out)
    std::cout << mp::evaluation_to_json(e, trace).dump(1) << "\n";
  else
    print_row(e);
}

// The ILP planners run a solver up to --time-limit; the others take
// milliseconds and draw no bar.
bool solves(const std::string& planner) {
  return planner == "ilp" || planner == "checkmate";
}

mp::Evaluation evaluate_shown(const Common& c, const Loaded& l, const std::string& planner,
                              std::uint64_t budget, const mp::EvalSettings& s) {
  Progress bar("solving (" + planner + ")", 0, solves(planner) && progress_wanted(c.json_out));
  ProgressTicker ticker(bar, c.time_limit);
  return mp::evaluate(l.trace, l.lt, planner, budget, s);
}

// trace and hardware write their JSON to stdout by default: that is the
// --json document then; with -o FILE, --json prints what was written where.
void run_trace(const Common& c) {
  check_output(c, c.out, "-o");
  const auto hw = load_hardware(c.hardware);
  const auto t = c.teacher.empty() ? mp::make_network(c.network, c.batch, hw)
                                   : mp::make_distillation(c.network, c.teacher, c.batch, hw);
  write_json(mp::trace_to_json(t), c.out);
  if (c.json_out && !c.out.empty())
    std::cout << json{{"output", c.out},
                      {"network", t.network},
                      {"batch", t.batch},
                      {"ops", t.ops.size()},
                      {"tensors", t.tensors.size()}}
                     .dump(1)
              << "\n";
}

void run_plan(const Common& c) {
  check_output(c, c.out, "-o");
  const Loaded l = load(c);
  std::unique_ptr<mp::OffloadTarget> cim;
  const auto e = evaluate_shown(c, l, c.planner, budget_of(c, l.trace, l.lt), settings(c, cim));
  if (!c.out.empty()) write_json(mp::plan_to_json(l.trace, e.outcome.plan), c.out);
  report(c, e, &l.trace);
  if (!e.ok())
    throw CliError(fmt::format("planner '{}' found no plan within the budget", c.planner));
}

void run_simulate(const Common& c) {
  check_output(c, c.chrome, "--chrome-trace");
  const Loaded l = load(c);
  std::unique_ptr<mp::OffloadTarget> cim;
  const auto s = settings(c, cim);
  mp::Evaluation e;
  e.outcome.plan = load_plan(l.trace, c.plan);
  e.planner = e.outcome.plan.planner;
  e.sim = mp::simulate(l.trace, l.lt, e.outcome.plan, s.hw, budget_of(c, l.trace, l.lt), s.offload);
  if (!c.chrome.empty()) write_json(mp::chrome_trace(l.trace, e.sim), c.chrome);
  report(c, e, &l.trace);
  if (!e.sim.valid) throw CliError("invalid plan: " + e.sim.error);
  if (!e.sim.within_budget)
    throw CliError(fmt::format("plan exceeds the budget at op '{}'",
                               l.trace.ops[e.sim.first_over_budget].name));
}

void run_compare(const Common& c) {
  const Loaded l = load(c);
  std::unique_ptr<mp::OffloadTarget> cim;
  const auto s = settings(c, cim);
  const auto budget = budget_of(c, l.trace, l.lt);
  const auto off =
      s.offload ? mp::choose_offload(l.trace, *s.offload).offloaded : std::vector<bool>{};
  mp::check_budget(l.trace, l.lt, off, budget);  // one clear error instead of one per planner
  json all = json::array();
  if (!c.json_out)
    std::cout << fmt::format("{} batch {}: unmanaged peak {}, budget {}\n", l.trace.network,
                             l.trace.batch, gib(mp::unmanaged_peak(l.trace, l.lt)), gib(budget));
  const auto names = mp::planner_names();
  Progress bar("compare", names.size(), progress_wanted(c.json_out));
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    bar.update(i,
               solves(name) ? fmt::format("{} (solver, up to {:g} s)", name, c.time_limit) : name);
    const auto e = mp::evaluate(l.trace, l.lt, name, budget, s);
    // The row goes where the bar was; the next update draws it below.
    bar.clear();
    if (c.json_out)
      all.push_back(mp::evaluation_to_json(e));
    else
      print_row(e);
  }
  bar.finish();  // cleared after the last row: the table is what stays
  if (c.json_out) std::cout << all.dump(1) << "\n";
}

std::unique_ptr<mp::Backend> backend() {
  auto be = mp::make_cuda_backend();
  return be ? std::move(be) : mp::make_host_backend();
}

void run_execute(const Common& c) {
  const Loaded l = load(c);
  const mp::Plan p = load_plan(l.trace, c.plan);
  auto be = backend();
  const auto budget = budget_of(c, l.trace, l.lt);
  // Headroom for the allocator's size classes; the budget bounds requested bytes.
  const auto r = mp::execute(l.trace, l.lt, p, *be, budget + 512 * l.trace.tensors.size());
  if (!r.ok) throw CliError(r.error);
  if (c.json_out)
    std::cout << json{{"backend", be->name()},
                      {"peak_requested", r.alloc.peak_requested},
                      {"budget", budget},
                      {"swapped_out", r.swapped_out},
                      {"recomputed", r.recomputed},
                      {"mismatches", r.mismatches},
                      {"fragmentation", r.alloc.fragmentation()},
                      {"record", c.record.empty() ? json(nullptr) : json(c.record)}}
                     .dump(1)
              << "\n";
  else
    std::cout << fmt::format(
        "{}: peak {} bytes (budget {}), {} swapped, {} recomputed, {} mismatches, "
        "fragmentation {:.1f}%\n",
        be->name(), r.alloc.peak_requested, budget, r.swapped_out, r.recomputed, r.mismatches,
        100 * r.alloc.fragmentation());
  if (!c.record.empty()) mp::save_trace(mp::record_trace(l.trace, r), c.record);
  if (r.mismatches) throw CliError("restored tensors differ from the originals");
}

void run_hardware(const Common& c) {
  check_output(c, c.out, "-o");
  auto hw = load_hardware(c.hardware);
  std::string measured_on;
  if (c.measure) {
    auto be = backend();
    hw = mp::measure_links(*be, hw);
    measured_on = be->name();
    std::cerr << "measured on the " << measured_on << " backend\n";
  }
  const json j = mp::hardware_to_json(hw);
  write_json(j, c.out);
  if (c.json_out && !c.out.empty())
    std::cout << json{{"output", c.out},
                      {"measured_on", measured_on.empty() ? json(nullptr) : json(measured_on)},
                      {"hardware", j}}
                     .dump(1)
              << "\n";
}

void setup(CLI::App& app) {
  auto c = std::make_shared<Common>();
  auto* root = app.add_subcommand("memplan", "GPU memory planner: traces, plans, replay");
  root->require_subcommand(1);

  auto* tr = root->add_subcommand("trace", "write the training trace of a network");
  tr->add_option("--network", c->network, "vgg16 | resnet50 | bert-base");
  tr->add_option("--teacher", c->teacher, "add a fixed-weight teacher (distillation)");
  tr->add_option("--batch", c->batch, "batch size")->check(CLI::PositiveNumber);
  tr->add_option("--hardware", c->hardware, "hardware model JSON for op times");
  tr->add_option("-o,--output", c->out, "output file (default: stdout)");
  tr->add_flag("--json", c->json_out,
               "the trace on stdout as it is; with -o, what was written as JSON");
  tr->callback([c] { run_trace(*c); });

  auto* pl = root->add_subcommand("plan", "plan a trace under a budget");
  add_budget(pl, *c);
  pl->add_option("--planner", c->planner,
                 "none | swap-all | capuchin | chen-sqrt | griewank-log | checkmate | ilp");
  pl->add_option("--time-limit", c->time_limit, "solver time limit, seconds");
  pl->add_option("-o,--output", c->out, "plan file to write");
  pl->callback([c] { run_plan(*c); });

  auto* sim = root->add_subcommand("simulate", "replay a plan and report peak and added time");
  add_budget(sim, *c);
  sim->add_option("plan", c->plan, "plan JSON")->required()->check(CLI::ExistingFile);
  sim->add_option("--chrome-trace", c->chrome, "write the timeline as Chrome-trace JSON");
  sim->callback([c] { run_simulate(*c); });

  auto* cmp = root->add_subcommand("compare", "run every planner on one trace and budget");
  add_budget(cmp, *c);
  cmp->add_option("--time-limit", c->time_limit, "solver time limit, seconds");
  cmp->callback([c] { run_compare(*c); });

  auto* ex = root->add_subcommand("execute", "carry a plan out on the executor (GPU if present)");
  add_budget(ex, *c);
  ex->add_option("plan", c->plan, "plan JSON")->required()->check(CLI::ExistingFile);
  ex->add_option("--record", c->record, "write the trace as measured by the executor");
  ex->callback([c] { run_execute(*c); });

  auto* hwc = root->add_subcommand("hardware", "print the hardware model as JSON");
  hwc->add_flag("--measure", c->measure, "measure host<->device copy bandwidth (GPU if present)");
  hwc->add_option("--hardware", c->hardware, "start from this hardware model JSON");
  hwc->add_option("-o,--output", c->out, "output file (default: stdout)");
  hwc->add_flag("--json", c->json_out,
                "the model on stdout as it is; with -o, what was written as JSON");
  hwc->callback([c] { run_hardware(*c); });
}

}  // namespace
HYCIM_CLI_COMMAND(memplan, setup);
}  // namespace hycim::cli
