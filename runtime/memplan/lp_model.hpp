// A mixed-integer linear program in plain form, kept apart from the solver so
// the planner builds it without GLPK types and tests can inspect it.
#pragma once
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace hycim::memplan {

struct LpVar {
  double lo = 0, hi = 1, cost = 0;
  bool integer = true;
};

struct LpRow {
  std::vector<std::pair<int, double>> terms;  // (var, coefficient)
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
};

struct LpModel {
  std::vector<LpVar> vars;
  std::vector<LpRow> rows;
  int add_var(LpVar v) {
    vars.push_back(v);
    return static_cast<int>(vars.size()) - 1;
  }
};

struct LpSolution {
  // "optimal", "feasible" (time limit hit with an incumbent), "infeasible",
  // "no solution" (time limit hit without one).
  std::string status;
  double objective = 0;
  double bound = 0;  // proven lower bound on the optimum (minimisation)
  double gap = 0;    // (objective - bound) / max(|objective|, 1e-9)
  double lp_bound = 0;
  double seconds = 0;
  std::vector<double> x;
  bool has_solution() const { return status == "optimal" || status == "feasible"; }
};

// Solves the LP relaxation only (every variable continuous).
LpSolution solve_lp(const LpModel& m, double time_limit_s);

// Branch and cut with GLPK, stopped after `time_limit_s`; `start`, when
// non-empty and feasible, is handed to the search as a first incumbent.
LpSolution solve_mip(const LpModel& m, double time_limit_s, const std::vector<double>& start = {});

}  // namespace hycim::memplan
