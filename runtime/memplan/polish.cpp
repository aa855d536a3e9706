#include "runtime/memplan/polish.hpp"

#include <chrono>
#include <limits>

#include "runtime/memplan/simulator.hpp"

namespace hycim::memplan {

double replay_added_us(const PlanRequest& req, const Plan& p) {
  const SimResult r = simulate(*req.trace, *req.lifetimes, p, req.hw, req.budget);
  return r.valid && r.within_budget ? r.added_us : std::numeric_limits<double>::infinity();
}

Plan polish_transfers(const PlanRequest& req, Plan plan, double seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto out_of_time = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds;
  };
  double best = replay_added_us(req, plan);
  if (best == std::numeric_limits<double>::infinity()) return plan;
  // Tries `field` of tensor a at cur +- steps; keeps the first move that helps.
  auto try_moves = [&](int a, int TensorPlan::*field, int dir, int lo, int hi) {
    const int cur = plan.tensors[a].*field;
    for (int step : {1, 2, 4, 8, 16, 32}) {
      const int s = cur + dir * step;
      if (s < lo || s > hi) break;
      Plan trial = plan;
      trial.tensors[a].*field = s;
      const double t = replay_added_us(req, trial);
      if (t < best - 1e-6) {
        plan = std::move(trial);
        best = t;
        return true;
      }
    }
    return false;
  };
  const auto& lt = *req.lifetimes;
  for (int pass = 0; pass < 4; ++pass) {
    bool improved = false;
    for (std::size_t a = 0; a < plan.tensors.size() && !out_of_time(); ++a) {
      if (!lt[a].managed || plan.tensors[a].action != Action::kSwap) continue;
      const int id = static_cast<int>(a);
      const TensorPlan& p = plan.tensors[a];
      improved |= try_moves(id, &TensorPlan::swap_in_at, -1, p.free_at, lt[a].first_bwd_use);
      improved |= try_moves(id, &TensorPlan::free_at, +1, lt[a].last_fwd_use + 1,
                            plan.tensors[a].swap_in_at);
    }
    if (!improved || out_of_time()) break;
  }
  return plan;
}

}  // namespace hycim::memplan
