// Runs the ILP formulation through GLPK under the request's time limit. The
// best fitting heuristic plan is offered as the first incumbent, so a
// time-limited solve starts from a plan that fits.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "runtime/memplan/baselines.hpp"
#include "runtime/memplan/ilp.hpp"
#include "runtime/memplan/polish.hpp"

namespace hycim::memplan {

namespace {

struct Candidate {
  Plan plan;
  double added_us = 0;
};

double replay(const PlanRequest& req, const Plan& p) {
  return replay_added_us(req, p);
}

// The best fitting heuristic plan, by replay: the request's own, Capuchin's,
// the checkpointing baselines', and for the full model the recompute-only
// MILP's (solved in a fraction of the time limit).
Candidate warm_start(const PlanRequest& req, bool swaps) {
  Candidate best{initial_plan(req, "none"), std::numeric_limits<double>::infinity()};
  auto consider = [&](const Plan& p) {
    const bool has_swap = std::any_of(p.tensors.begin(), p.tensors.end(), [](const TensorPlan& t) {
      return t.action == Action::kSwap;
    });
    if (has_swap && !swaps) return;  // not a point of the recompute-only model
    const double t = replay(req, p);
    if (t < best.added_us) best = {p, t};
  };
  if (req.warm_start) consider(*req.warm_start);
  for (const char* n : {"capuchin", "chen-sqrt", "griewank-log", "none"})
    consider(make_planner(n)->plan(req).plan);
  if (swaps) {
    PlanRequest sub = req;
    sub.time_limit_s = 0.3 * req.time_limit_s;
    sub.warm_start = nullptr;
    consider(make_planner("checkmate")->plan(sub).plan);
  }
  return best;
}

class IlpPlanner final : public Planner {
 public:
  IlpPlanner(std::string name, IlpOptions opt) : name_(std::move(name)), opt_(opt) {}
  std::string name() const override { return name_; }

  PlanOutcome plan(const PlanRequest& req) const override {
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    check_budget(*req.trace, *req.lifetimes, req.offloaded, req.budget);
    const IlpFormulation f(req, opt_);
    const Candidate warm = warm_start(req, opt_.allow_swap);
    const auto start = std::isfinite(warm.added_us) ? f.encode(warm.plan) : std::vector<double>{};
    // 90% of what is left to the solver, the rest to polishing its transfers.
    const double left = std::max(0.5, req.time_limit_s - elapsed());
    const LpSolution s = solve_mip(f.model(), 0.9 * left, start);
    PlanOutcome o;
    o.status = s.status;
    o.plan = s.has_solution() ? f.decode(s.x, name_) : initial_plan(req, name_);
    if (s.has_solution()) o.objective = s.objective, o.bound = s.bound, o.gap = s.gap;
    // The copy rows approximate the copy engines (see polish.hpp): replay,
    // polish the transfer slots, and keep the warm start if it still replays better.
    if (opt_.allow_swap)
      o.plan = polish_transfers(req, std::move(o.plan), std::max(0.2, 0.1 * left));
    if (std::isfinite(warm.added_us) && replay(req, o.plan) > warm.added_us + 1e-6) {
      o.plan = warm.plan;
      o.plan.planner = name_;
      o.status += ", warm start (" + warm.plan.planner + ") replays better";
    }
    o.fits = peak(memory_profile(*req.trace, *req.lifetimes, o.plan)) <= req.budget &&
             validate(*req.trace, *req.lifetimes, o.plan).empty();
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
