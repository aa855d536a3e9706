// Planner benchmark, two modes; prints one JSON object per line.
//   budgets:   for each network, budgets at fractions of its unmanaged peak;
//              every planner planned and replayed in the same run
//   max batch: for each network and planner, the largest batch whose plan
//              fits a fixed memory (binary search; a solver that finds no
//              plan within its time limit counts as not fitting)
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/networks.hpp"

using namespace hycim::memplan;

namespace {

std::map<std::string, int> default_batch() {
  return {{"vgg16", 64}, {"resnet50", 64}, {"bert-base", 32}};
}

nlohmann::json run_one(const Trace& tr, const std::vector<Lifetime>& lt, const std::string& p,
                       std::uint64_t budget, const EvalSettings& s) {
  try {
    return evaluation_to_json(evaluate(tr, lt, p, budget, s));
  } catch (const MemplanError& e) {  // budget below the floor
    return {{"planner", p}, {"fits", false}, {"error", e.what()}};
  }
}

void budgets(const std::vector<std::string>& nets, const std::vector<std::string>& planners,
             const std::vector<double>& fractions, int batch, const EvalSettings& s) {
  for (const auto& n : nets) {
    const int b = batch > 0 ? batch : default_batch()[n];
    const Trace tr = make_network(n, b, s.hw);
    const auto lt = analyze(tr);
    const std::uint64_t full = unmanaged_peak(tr, lt);
    const std::uint64_t floor = peak(floor_profile(tr, lt, std::vector<bool>(tr.ops.size())));
    for (double f : fractions) {
      const auto budget = static_cast<std::uint64_t>(f * static_cast<double>(full));
      for (const auto& p : planners) {
        nlohmann::json row = {{"mode", "budget"},
                              {"network", n},
                              {"batch", b},
                              {"fraction", f},
                              {"unmanaged_peak", full},
                              {"floor", floor},
                              {"ideal_us", tr.total_compute_us()}};
        row["result"] = run_one(tr, lt, p, budget, s);
        std::cout << row.dump() << std::endl;
      }
    }
  }
}

bool fits(const std::string& net, int batch, const std::string& p, std::uint64_t memory,
          const EvalSettings& s) {
  const Trace tr = make_network(net, batch, s.hw);
  const auto lt = analyze(tr);
  return run_one(tr, lt, p, memory, s).value("fits", false);
}

void max_batch(const std::vector<std::string>& nets, const std::vector<std::string>& planners,
               double gib, const EvalSettings& s) {
  const auto memory = static_cast<std::uint64_t>(gib * 1073741824.0);
  for (const auto& n : nets)
    for (const auto& p : planners) {
      int lo = 0, hi = 1;  // lo fits (0: nothing does), hi is the next probe
      while (hi <= 4096 && fits(n, hi, p, memory, s)) lo = hi, hi *= 2;
      while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        (fits(n, mid, p, memory, s) ? lo : hi) = mid;
      }
      std::cout << nlohmann::json{{"mode", "max_batch"},
                                  {"network", n},
                                  {"planner", p},
                                  {"memory_gib", gib},
                                  {"max_batch", lo}}
                       .dump()
                << std::endl;
    }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"memplan planner benchmark"};
  std::vector<std::string> nets = network_names(), planners = planner_names();
  std::vector<double> fractions = {0.7, 0.5, 0.3};
  int batch = 0;
  double limit = 10.0, gib = 0;
  app.add_option("--networks", nets);
  app.add_option("--planners", planners);
  app.add_option("--fractions", fractions);
  app.add_option("--batch", batch, "one batch for every network (default: per network)");
  app.add_option("--time-limit", limit, "solver time limit per plan, seconds");
  app.add_option("--max-batch-gib", gib, "max-batch mode at this much device memory");
  CLI11_PARSE(app, argc, argv);
  EvalSettings s;
  s.time_limit_s = limit;
  if (gib > 0)
    max_batch(nets, planners, gib, s);
  else
    budgets(nets, planners, fractions, batch, s);
  return 0;
}
