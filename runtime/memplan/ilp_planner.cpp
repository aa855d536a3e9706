// Runs the ILP formulation through GLPK under the request's time limit. A
// feasible heuristic plan (Capuchin-like for the full model, a checkpointing
// baseline for the recompute-only one) is offered as the first incumbent, so
// a time-limited solve starts from a plan that fits.
#include <chrono>

#include "runtime/memplan/baselines.hpp"
#include "runtime/memplan/ilp.hpp"

namespace hycim::memplan {

namespace {

std::vector<double> warm_start(const PlanRequest& req, const IlpFormulation& f, bool swaps) {
  std::vector<Plan> tries;
  if (req.warm_start) tries.push_back(*req.warm_start);
  const char* names[] = {"capuchin", "chen-sqrt", "griewank-log", "none"};
  for (const char* n : names) {
    if (!swaps && std::string(n) == "capuchin") continue;
    PlanOutcome o = make_planner(n)->plan(req);
    if (o.fits) tries.push_back(std::move(o.plan));
  }
  for (const Plan& p : tries) {
    auto x = f.encode(p);
    if (!x.empty()) return x;
  }
  return {};
}

class IlpPlanner final : public Planner {
 public:
  IlpPlanner(std::string name, IlpOptions opt) : name_(std::move(name)), opt_(opt) {}
  std::string name() const override { return name_; }

  PlanOutcome plan(const PlanRequest& req) const override {
    const auto t0 = std::chrono::steady_clock::now();
    check_budget(*req.trace, *req.lifetimes, req.offloaded, req.budget);
    const IlpFormulation f(req, opt_);
    const auto start = warm_start(req, f, opt_.allow_swap);
    const auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const LpSolution s = solve_mip(f.model(), std::max(0.5, req.time_limit_s - elapsed()), start);
    PlanOutcome o;
    o.status = s.status;
    if (s.has_solution()) {
      o.plan = f.decode(s.x, name_);
      o.objective = s.objective;
      o.bound = s.bound;
      o.gap = s.gap;
    } else {
      o.plan = initial_plan(req, name_);
    }
    o.fits =
        s.has_solution() && peak(memory_profile(*req.trace, *req.lifetimes, o.plan)) <= req.budget;
    o.solve_s = elapsed();
    return o;
  }

 private:
  std::string name_;
  IlpOptions opt_;
};

}  // namespace

std::unique_ptr<Planner> make_ilp_planner(const std::string& name, const IlpOptions& opt) {
  return std::make_unique<IlpPlanner>(name, opt);
}

double lp_lower_bound(const PlanRequest& req, const IlpOptions& opt) {
  check_budget(*req.trace, *req.lifetimes, req.offloaded, req.budget);
  const IlpFormulation f(req, opt);
  const LpSolution s = solve_lp(f.model(), req.time_limit_s);
  if (s.status != "optimal")
    throw MemplanError("ilp: the LP relaxation has no solution at this budget");
  return s.objective;
}

std::vector<std::string> planner_names() {
  return {"none", "swap-all", "capuchin", "chen-sqrt", "griewank-log", "checkmate", "ilp"};
}

std::unique_ptr<Planner> make_planner(const std::string& name) {
  if (name == "none") return make_keep_all();
  if (name == "swap-all") return make_swap_all();
  if (name == "capuchin") return make_capuchin();
  if (name == "chen-sqrt") return make_chen_sqrt();
  if (name == "griewank-log") return make_griewank_log();
  if (name == "checkmate") return make_ilp_planner("checkmate", {false, true, false, 4});
  if (name == "ilp") return make_ilp_planner("ilp", {});
  throw MemplanError(
      "planner: unknown planner '" + name +
      "' (known: none, swap-all, capuchin, chen-sqrt, griewank-log, checkmate, ilp)");
}

}  // namespace hycim::memplan
