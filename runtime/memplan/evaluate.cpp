#include "runtime/memplan/evaluate.hpp"

namespace hycim::memplan {

Evaluation evaluate(const Trace& tr, const std::vector<Lifetime>& lt, const std::string& planner,
                    std::uint64_t budget, const EvalSettings& s) {
  PlanRequest req;
  req.trace = &tr;
  req.lifetimes = &lt;
  req.hw = s.hw;
  req.budget = budget;
  req.time_limit_s = s.time_limit_s;
  if (s.offload) req.offloaded = choose_offload(tr, *s.offload).offloaded;
  Evaluation e;
  e.planner = planner;
  e.outcome = make_planner(planner)->plan(req);
  e.sim = simulate(tr, lt, e.outcome.plan, s.hw, budget, s.offload);
  return e;
}

std::uint64_t unmanaged_peak(const Trace& tr, const std::vector<Lifetime>& lt) {
  return peak(memory_profile(tr, lt, Plan::keep_all(tr)));
}

nlohmann::json evaluation_to_json(const Evaluation& e, const Trace* trace) {
  const SimResult& r = e.sim;
  int swapped = 0, recomputed = 0, compressed = 0;
  for (const auto& t : e.outcome.plan.tensors) {
    swapped += t.action == Action::kSwap;
    compressed += t.action == Action::kSwap && t.compressed;
    recomputed += t.action == Action::kRecompute;
  }
  nlohmann::json j = {{"planner", e.planner},
                      {"status", e.outcome.status},
                      {"fits", e.ok()},
                      {"valid", r.valid},
                      {"peak_bytes", r.peak_bytes},
                      {"budget_bytes", r.budget},
                      {"total_us", r.total_us},
                      {"ideal_us", r.ideal_us},
                      {"added_us", r.added_us},
                      {"stall_us", r.stall_us},
                      {"recompute_us", r.recompute_us},
                      {"compress_us", r.compress_us},
                      {"swapped", swapped},
                      {"compressed", compressed},
                      {"recomputed", recomputed},
                      {"swapped_out_bytes", r.swapped_out_bytes},
                      {"wire_bytes", r.wire_bytes},
                      {"solve_s", e.outcome.solve_s}};
  if (!r.valid) j["error"] = r.error;
  if (e.outcome.objective >= 0) {
    j["objective_us"] = e.outcome.objective;
    j["bound_us"] = e.outcome.bound;
    j["gap"] = e.outcome.gap;
  }
  if (trace && r.valid && r.ops.size() == trace->ops.size()) {
    nlohmann::json off = nlohmann::json::array();
    double device_us = 0;
    for (std::size_t k = 0; k < trace->ops.size(); ++k)
      if (k < e.outcome.plan.offloaded.size() && e.outcome.plan.offloaded[k]) {
        const double us = r.ops[k].end_us - r.ops[k].start_us;
        off.push_back({{"op", trace->ops[k].name}, {"device_us", us}});
        device_us += us;
      }
    j["offloaded"] = off;
    j["device_us"] = device_us;
  }
  return j;
}

}  // namespace hycim::memplan
