// Capuchin-like greedy planner (Peng et al., ASPLOS'20), on the trace's access
// pattern instead of a measured first iteration: while the plan's peak is
// over budget, take the tensors idle across the peak op and evict the one
// that frees the most bytes per microsecond of estimated overhead. A swap's
// overhead is the part of its copies that the compute in its windows cannot
// hide (copy-in issued as late as still hides it, Capuchin's "in-trigger");
// a recompute's is its producer's time.
#include <algorithm>
#include <chrono>
#include <limits>

#include "runtime/memplan/baselines.hpp"

namespace hycim::memplan {

namespace {

struct Candidate {
  TensorPlan plan;
  double overhead = 0;
};

// prefix[j] = compute time of ops [0, j), so a window's time is one subtraction.
std::vector<double> compute_prefix(const Trace& tr) {
  std::vector<double> p(tr.ops.size() + 1, 0.0);
  for (std::size_t j = 0; j < tr.ops.size(); ++j) p[j + 1] = p[j] + tr.ops[j].compute_us;
  return p;
}

double between(const std::vector<double>& prefix, int lo, int hi) {  // ops [lo, hi)
  return hi > lo ? prefix[hi] - prefix[lo] : 0.0;
}

// Swap that frees before `peak_op` and copies back after it, or none.
bool swap_option(const PlanRequest& req, const std::vector<double>& prefix, int a, int peak_op,
                 Candidate& c) {
  const Trace& tr = *req.trace;
  const Lifetime& l = (*req.lifetimes)[a];
  const TransferCost tc = transfer_cost(tr.tensors[a], req.hw);
  const int free_at = l.last_fwd_use + 1;
  if (free_at > peak_op) return false;
  int in = l.first_bwd_use;
  while (in - 1 > peak_op && between(prefix, in, l.first_bwd_use) < tc.in_us) --in;
  if (in <= peak_op) return false;
  const double out_hidden = between(prefix, l.producer + 1, free_at);
  const double in_hidden = between(prefix, in, l.first_bwd_use);
  c.plan = {Action::kSwap, tc.compressed, free_at, in, -1};
  c.overhead = std::max(0.0, tc.out_us - out_hidden) + std::max(0.0, tc.in_us - in_hidden) +
               tc.compress_us + tc.decompress_us;
  return true;
}

bool recompute_option(const PlanRequest& req, int a, Candidate& c) {
  const Trace& tr = *req.trace;
  const auto& lt = *req.lifetimes;
  for (int x : tr.ops[lt[a].producer].reads)
    if (!is_persistent(tr.tensors[x].kind) && !lt[x].managed) return false;
  c.plan = {Action::kRecompute, false, -1, -1, -1};
  c.overhead = lt[a].recompute_us;
  return true;
}

Plan capuchin(const PlanRequest& req) {
  const Trace& tr = *req.trace;
  const auto& lt = *req.lifetimes;
  Plan plan = initial_plan(req, "capuchin");
  const auto prefix = compute_prefix(tr);
  for (std::size_t round = 0; round < tr.tensors.size(); ++round) {
    const auto prof = memory_profile(tr, lt, plan);
    const auto it = std::max_element(prof.begin(), prof.end());
    if (*it <= req.budget) break;
    const int j = static_cast<int>(it - prof.begin());
    int best = -1;
    Candidate best_c;
    double best_score = -1;
    for (std::size_t a = 0; a < tr.tensors.size(); ++a) {
      if (!lt[a].managed || plan.tensors[a].action != Action::kKeep) continue;
      if (!(lt[a].last_fwd_use < j && j < lt[a].first_bwd_use)) continue;
      Candidate s, r, c;
      const bool has_s = swap_option(req, prefix, a, j, s), has_r = recompute_option(req, a, r);
      if (!has_s && !has_r) continue;
      c = (has_s && (!has_r || s.overhead <= r.overhead)) ? s : r;
      const double score = tr.tensors[a].bytes / (c.overhead + 1e-3);
      if (score > best_score) best_score = score, best = static_cast<int>(a), best_c = c;
    }
    if (best < 0) break;  // nothing left to evict at the peak: report over budget
    plan.tensors[best] = best_c.plan;
    assign_remat_slots(tr, lt, plan);
  }
  return plan;
}

class CapuchinPlanner final : public Planner {
 public:
  std::string name() const override { return "capuchin"; }
  PlanOutcome plan(const PlanRequest& req) const override {
    const auto t0 = std::chrono::steady_clock::now();
    PlanOutcome o;
    o.plan = capuchin(req);
    o.solve_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.fits = peak(memory_profile(*req.trace, *req.lifetimes, o.plan)) <= req.budget;
    o.status = o.fits ? "fits" : "over budget";
    return o;
  }
};

}  // namespace

std::unique_ptr<Planner> make_capuchin() {
  return std::make_unique<CapuchinPlanner>();
}

}  // namespace hycim::memplan
