// Planners behind one interface, built by name (make_planner), so the CLI,
// the tests and the benchmark run every one of them through the same code.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/memplan/hardware.hpp"
#include "runtime/memplan/plan.hpp"

namespace hycim::memplan {

struct PlanRequest {
  const Trace* trace = nullptr;
  const std::vector<Lifetime>* lifetimes = nullptr;
  Hardware hw;
  std::uint64_t budget = 0;
  std::vector<bool> offloaded;  // per op; empty: nothing offloaded
  double time_limit_s = 10.0;   // for the solvers
  const Plan* warm_start = nullptr;
};

struct PlanOutcome {
  Plan plan;
  bool fits = false;   // peak within budget by the planner's own accounting
  double solve_s = 0;  // wall time spent planning
  // Solvers only: model objective (us of added time) and proven lower bound;
  // gap = (objective - bound) / max(objective, 1e-9); status as text.
  double objective = -1, bound = -1, gap = -1;
  std::string status;
};

class Planner {
 public:
  virtual ~Planner() = default;
  virtual std::string name() const = 0;
  virtual PlanOutcome plan(const PlanRequest& req) const = 0;
};

// "none", "swap-all", "capuchin", "chen-sqrt", "griewank-log", "checkmate",
// "ilp". Throws MemplanError naming the unknown planner.
std::unique_ptr<Planner> make_planner(const std::string& name);
std::vector<std::string> planner_names();

// Start from "keep everything" with the request's offload choice applied.
Plan initial_plan(const PlanRequest& req, const std::string& name);

}  // namespace hycim::memplan
