// Memory, copy-engine and re-run rows of the ILP, and the mapping between
// solution vectors and plans.
#include <algorithm>
#include <cmath>

#include "runtime/memplan/ilp.hpp"

namespace hycim::memplan {

namespace {

constexpr double kMB = 1e6;
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

void IlpFormulation::add_memory_rows() {
  const Trace& tr = *req_.trace;
  const auto& lt = *req_.lifetimes;
  const auto full = memory_profile(tr, lt, initial_plan(req_, "keep"));
  std::vector<double> base(full.begin(), full.end());
  std::vector<LpRow> rows(tr.ops.size());
  for (std::size_t a = 0; a < tr.tensors.size(); ++a) {
    if (!lt[a].managed) continue;
    const Lifetime& l = lt[a];
    const double mb = static_cast<double>(tr.tensors[a].bytes) / kMB;
    for (int j = l.last_fwd_use + 1; j <= l.last_use; ++j) {
      base[j] -= static_cast<double>(tr.tensors[a].bytes);
      if (full[j] <= req_.budget) continue;
      for (int v : vars_of_[a]) {
        const VarInfo& vi = info_[v];
        const bool res = vi.kind == Kind::kKeep || (vi.kind == Kind::kFree && j < vi.slot) ||
                         ((vi.kind == Kind::kIn || vi.kind == Kind::kRemat) && j >= vi.slot);
        if (res) rows[j].terms.push_back({v, mb});
      }
    }
  }
  for (std::size_t j = 0; j < rows.size(); ++j) {
    if (full[j] <= req_.budget || rows[j].terms.empty()) continue;
    rows[j].hi = (static_cast<double>(req_.budget) - base[j]) / kMB;
    model_.rows.push_back(std::move(rows[j]));
  }
}

void IlpFormulation::add_copy_rows() {
  const Trace& tr = *req_.trace;
  const auto& lt = *req_.lifetimes;
  const std::size_t n = tr.ops.size();
  std::vector<double> c(n);
  for (std::size_t j = 0; j < n; ++j)
    c[j] = (!req_.offloaded.empty() && req_.offloaded[j]) ? 0.0 : tr.ops[j].compute_us;
  std::vector<LpRow> out(n), in(n);
  // Spreads `t` us of copying over ops [lo, hi] in proportion to their compute;
  // with no compute there, nothing hides the copy: all of it is stall.
  auto spread = [&](std::vector<LpRow>& rows, int v, double t, int lo, int hi) {
    double w = 0;
    for (int j = lo; j <= hi; ++j) w += c[j];
    if (w <= 0) {
      model_.vars[v].cost += t;
      return;
    }
    for (int j = lo; j <= hi; ++j)
      if (c[j] > 0) rows[j].terms.push_back({v, t * c[j] / w});
  };
  for (std::size_t v = 0; v < info_.size(); ++v) {
    const VarInfo& vi = info_[v];
    if (vi.kind == Kind::kFree)
      spread(out, v, cost_[vi.tensor].out_us, lt[vi.tensor].producer + 1, vi.slot - 1);
    if (vi.kind == Kind::kIn)
      spread(in, v, cost_[vi.tensor].in_us, vi.slot, lt[vi.tensor].first_bwd_use - 1);
  }
  for (auto* rows : {&out, &in})
    for (std::size_t j = 0; j < n; ++j) {
      LpRow& r = (*rows)[j];
      if (r.terms.empty()) continue;
      r.terms.push_back({stall_[j], -1.0});
      r.hi = c[j];
      copy_rows_.push_back({static_cast<int>(model_.rows.size()), stall_[j], c[j]});
      model_.rows.push_back(std::move(r));
    }
}

void IlpFormulation::add_remat_rows() {
  const Trace& tr = *req_.trace;
  const auto& lt = *req_.lifetimes;
  for (std::size_t q = 0; q < info_.size(); ++q) {
    if (info_[q].kind != Kind::kRemat) continue;
    const int t = info_[q].slot;
    for (int x : tr.ops[lt[info_[q].tensor].producer].reads) {
      if (!lt[x].managed) continue;  // persistent: always there
      LpRow row{{{static_cast<int>(q), 1.0}}, -kInf, 0.0};
      for (int v : vars_of_[x]) {
        const VarInfo& vi = info_[v];
        const bool res = (vi.kind == Kind::kKeep && t <= lt[x].last_use) ||
                         (vi.kind == Kind::kFree && t < vi.slot) ||
                         ((vi.kind == Kind::kIn || vi.kind == Kind::kRemat) && vi.slot <= t);
        if (res) row.terms.push_back({v, -1.0});
      }
      model_.rows.push_back(std::move(row));
    }
  }
}

Plan IlpFormulation::decode(const std::vector<double>& x, const std::string& planner) const {
  Plan p = initial_plan(req_, planner);
  for (std::size_t v = 0; v < info_.size(); ++v) {
    if (x[v] < 0.5 || info_[v].tensor < 0) continue;
    const VarInfo& vi = info_[v];
    TensorPlan& tp = p.tensors[vi.tensor];
    if (vi.kind == Kind::kFree) {
      tp.action = Action::kSwap;
      tp.compressed = cost_[vi.tensor].compressed;
      tp.free_at = vi.slot;
    } else if (vi.kind == Kind::kIn) {
      tp.swap_in_at = vi.slot;
    } else if (vi.kind == Kind::kRemat) {
      tp.action = Action::kRecompute;
      tp.remat_at = vi.slot;
    }
  }
  return p;
}

std::vector<double> IlpFormulation::encode(const Plan& plan) const {
  std::vector<double> x(info_.size(), 0.0);
  std::vector<int> chosen(vars_of_.size(), 0);
  for (std::size_t v = 0; v < info_.size(); ++v) {
    const VarInfo& vi = info_[v];
    if (vi.tensor < 0) continue;
    const TensorPlan& tp = plan.tensors[vi.tensor];
    const bool on =
        (vi.kind == Kind::kKeep && tp.action == Action::kKeep) ||
        (vi.kind == Kind::kFree && tp.action == Action::kSwap && tp.free_at == vi.slot) ||
        (vi.kind == Kind::kIn && tp.action == Action::kSwap && tp.swap_in_at == vi.slot) ||
        (vi.kind == Kind::kRemat && tp.action == Action::kRecompute && tp.remat_at == vi.slot);
    if (on) x[v] = 1.0, ++chosen[vi.tensor];
  }
  for (std::size_t a = 0; a < vars_of_.size(); ++a) {
    if (vars_of_[a].empty()) continue;
    const int want = plan.tensors[a].action == Action::kSwap ? 2 : 1;
    if (chosen[a] != want) return {};  // a slot this model does not offer
  }
  for (const CopyRow& cr : copy_rows_) {  // stalls: the least that satisfies every copy row
    double load = 0;
    for (const auto& [v, coef] : model_.rows[cr.row].terms)
      if (v != cr.stall) load += coef * x[v];
    x[cr.stall] = std::max(x[cr.stall], load - cr.compute);
  }
  return x;
}

}  // namespace hycim::memplan
