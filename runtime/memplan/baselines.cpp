#include "runtime/memplan/baselines.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>

namespace hycim::memplan {

namespace {

using PlanFn = std::function<Plan(const PlanRequest&)>;

std::vector<int> managed_in_order(const Trace& tr, const std::vector<Lifetime>& lt) {
  std::vector<int> v;
  for (std::size_t i = 0; i < tr.tensors.size(); ++i)
    if (lt[i].managed) v.push_back(static_cast<int>(i));
  std::sort(v.begin(), v.end(), [&](int a, int b) { return lt[a].producer < lt[b].producer; });
  return v;
}

// A planner that runs a fixed rule; the outcome reports whether it fits.
class RulePlanner final : public Planner {
 public:
  RulePlanner(std::string name, PlanFn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  PlanOutcome plan(const PlanRequest& req) const override {
    const auto t0 = std::chrono::steady_clock::now();
    PlanOutcome o;
    o.plan = fn_(req);
    o.solve_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.fits = peak(memory_profile(*req.trace, *req.lifetimes, o.plan)) <= req.budget;
    o.status = o.fits ? "fits" : "over budget";
    return o;
  }

 private:
  std::string name_;
  PlanFn fn_;
};

Plan swap_all(const PlanRequest& req) {
  const auto& lt = *req.lifetimes;
  Plan p = initial_plan(req, "swap-all");
  for (int a : managed_in_order(*req.trace, lt)) {
    const int free_at = lt[a].last_fwd_use + 1;
    const int in = std::max(free_at, lt[a].first_bwd_use - 1);
    p.tensors[a] = {Action::kSwap, false, free_at, in, -1};
  }
  return p;
}

// Keeps the activations at `keep` positions of the forward order, recomputes
// the others.
Plan checkpoints(const PlanRequest& req, const std::vector<bool>& keep, const std::string& name) {
  const auto order = managed_in_order(*req.trace, *req.lifetimes);
  Plan p = initial_plan(req, name);
  for (std::size_t k = 0; k < order.size(); ++k)
    if (!keep[k]) p.tensors[order[k]].action = Action::kRecompute;
  assign_remat_slots(*req.trace, *req.lifetimes, p);
  return p;
}

Plan chen_sqrt(const PlanRequest& req) {
  const std::size_t n = managed_in_order(*req.trace, *req.lifetimes).size();
  const std::size_t seg = std::max<std::size_t>(1, std::ceil(std::sqrt(static_cast<double>(n))));
  std::vector<bool> keep(n);
  for (std::size_t k = 0; k < n; ++k) keep[k] = (k + 1) % seg == 0;
  return checkpoints(req, keep, "chen-sqrt");
}

Plan griewank_log(const PlanRequest& req) {
  const std::size_t n = managed_in_order(*req.trace, *req.lifetimes).size();
  std::vector<bool> keep(n, false);
  // Checkpoint the middle of what remains, then of the remaining tail, ...
  for (std::size_t lo = 0; n - lo > 1;) {
    const std::size_t mid = lo + (n - lo) / 2;
    keep[mid] = true;
    lo = mid + 1;
  }
  if (n > 0) keep[n - 1] = true;  // the last activation is needed first anyway
  return checkpoints(req, keep, "griewank-log");
}

}  // namespace

Plan initial_plan(const PlanRequest& req, const std::string& name) {
  Plan p = Plan::keep_all(*req.trace, name);
  if (!req.offloaded.empty()) p.offloaded = req.offloaded;
  return p;
}

std::unique_ptr<Planner> make_keep_all() {
  return std::make_unique<RulePlanner>(
      "none", [](const PlanRequest& r) { return initial_plan(r, "none"); });
}
std::unique_ptr<Planner> make_swap_all() {
  return std::make_unique<RulePlanner>("swap-all", swap_all);
}
std::unique_ptr<Planner> make_chen_sqrt() {
  return std::make_unique<RulePlanner>("chen-sqrt", chen_sqrt);
}
std::unique_ptr<Planner> make_griewank_log() {
  return std::make_unique<RulePlanner>("griewank-log", griewank_log);
}

}  // namespace hycim::memplan
