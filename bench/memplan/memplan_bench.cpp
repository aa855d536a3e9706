// Planner benchmark: for each network, budgets at fractions of its unmanaged
// peak, every planner planned and replayed in the same run; prints one JSON
// object per line (network, batch, budget fraction, evaluation).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/networks.hpp"

using namespace hycim::memplan;

int main(int argc, char** argv) {
  CLI::App app{"memplan planner benchmark"};
  std::vector<std::string> nets = network_names(), planners = planner_names();
  std::vector<double> fractions = {0.7, 0.5, 0.3};
  int batch = 64;
  double limit = 10.0;
  app.add_option("--networks", nets);
  app.add_option("--planners", planners);
  app.add_option("--fractions", fractions);
  app.add_option("--batch", batch);
  app.add_option("--time-limit", limit);
  CLI11_PARSE(app, argc, argv);
  EvalSettings s;
  s.time_limit_s = limit;
  for (const auto& n : nets) {
    const Trace tr = make_network(n, batch, s.hw);
    const auto lt = analyze(tr);
    const std::uint64_t full = unmanaged_peak(tr, lt);
    for (double f : fractions) {
      const auto budget = static_cast<std::uint64_t>(f * static_cast<double>(full));
      for (const auto& p : planners) {
        nlohmann::json row = {
            {"network", n}, {"batch", batch}, {"fraction", f}, {"unmanaged_peak", full}};
        try {
          row["result"] = evaluation_to_json(evaluate(tr, lt, p, budget, s));
        } catch (const MemplanError& e) {
          row["result"] = {{"planner", p}, {"error", e.what()}};
        }
        std::cout << row.dump() << std::endl;
      }
    }
  }
  return 0;
}
