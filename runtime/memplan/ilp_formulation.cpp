#include <algorithm>
#include <set>

#include "runtime/memplan/ilp.hpp"

namespace hycim::memplan {

namespace {

std::vector<int> in_range(std::set<int> s, int lo, int hi) {
  std::vector<int> v;
  for (int x : s)
    if (x >= lo && x <= hi) v.push_back(x);
  return v;
}

}  // namespace

IlpFormulation::IlpFormulation(const PlanRequest& req, const IlpOptions& opt)
    : req_(req), opt_(opt) {
  const Trace& tr = *req.trace;
  vars_of_.resize(tr.tensors.size());
  cost_.resize(tr.tensors.size());
  for (std::size_t j = 0; j < tr.ops.size(); ++j)
    stall_.push_back(var(-1, Kind::kStall, static_cast<int>(j), 1.0));
  remat_slots_ = remat_candidates();
  for (std::size_t a = 0; a < tr.tensors.size(); ++a)
    if ((*req.lifetimes)[a].managed) add_tensor_vars(static_cast<int>(a));
  add_choice_rows();
  add_memory_rows();
  add_copy_rows();
  add_remat_rows();
}

int IlpFormulation::var(int tensor, Kind kind, int slot, double cost) {
  const bool binary = kind != Kind::kStall;
  const double hi = binary ? 1.0 : std::numeric_limits<double>::infinity();
  const int v = model_.add_var({0.0, hi, cost, binary});
  info_.push_back({tensor, kind, slot});
  if (tensor >= 0) vars_of_[tensor].push_back(v);
  return v;
}

// Re-run candidates: a tensor's first backward use, or any op where a
// recomputable consumer may be re-run (it needs this tensor then); the latest
// `remat_slots` of those, which hold memory for the shortest time.
std::vector<std::vector<int>> IlpFormulation::remat_candidates() const {
  const Trace& tr = *req_.trace;
  const auto& lt = *req_.lifetimes;
  std::vector<std::vector<int>> slots(tr.tensors.size());
  if (!opt_.allow_recompute) return slots;
  std::vector<int> order;
  for (std::size_t a = 0; a < tr.tensors.size(); ++a)
    if (lt[a].managed) order.push_back(static_cast<int>(a));
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return lt[a].producer > lt[b].producer; });
  std::vector<std::set<int>> wanted(tr.tensors.size());
  for (int a : order) {
    const Op& prod = tr.ops[lt[a].producer];
    int hi = lt[a].first_bwd_use;
    bool ok = true;
    for (int x : prod.reads) {
      if (is_persistent(tr.tensors[x].kind)) continue;
      if (!lt[x].managed) ok = false;
      hi = std::min(hi, lt[x].last_use);
    }
    if (!ok) continue;
    wanted[a].insert(lt[a].first_bwd_use);
    std::vector<int> v = in_range(wanted[a], lt[a].last_fwd_use + 1, hi);
    if (static_cast<int>(v.size()) > opt_.remat_slots)
      v.erase(v.begin(), v.end() - opt_.remat_slots);
    slots[a] = v;
    for (int x : prod.reads)
      if (lt[x].managed) wanted[x].insert(v.begin(), v.end());
  }
  return slots;
}

void IlpFormulation::add_tensor_vars(int a) {
  const Lifetime& l = (*req_.lifetimes)[a];
  var(a, Kind::kKeep, -1, 0.0);
  if (opt_.allow_swap) {
    cost_[a] = transfer_cost(req_.trace->tensors[a], req_.hw, opt_.allow_compression);
    const int lf = l.last_fwd_use, fb = l.first_bwd_use;
    const double codec = cost_[a].compress_us + cost_[a].decompress_us;
    for (int d : in_range({lf + 1, lf + 2, lf + 3, lf + 5, lf + 9}, lf + 1, fb))
      var(a, Kind::kFree, d, codec);
    for (int s : in_range({fb, fb - 1, fb - 2, fb - 4, fb - 8, fb - 16, fb - 32}, lf + 1, fb))
      var(a, Kind::kIn, s, 0.0);
  }
  for (int t : remat_slots_[a]) var(a, Kind::kRemat, t, l.recompute_us);
}

void IlpFormulation::add_choice_rows() {
  for (const auto& vs : vars_of_) {
    if (vs.empty()) continue;
    LpRow one, pair;
    one.lo = one.hi = 1;
    pair.lo = pair.hi = 0;  // as many copy-ins as releases
    for (int v : vs) {
      const Kind k = info_[v].kind;
      if (k != Kind::kIn) one.terms.push_back({v, 1.0});
      if (k == Kind::kFree) pair.terms.push_back({v, 1.0});
      if (k == Kind::kIn) pair.terms.push_back({v, -1.0});
    }
    model_.rows.push_back(one);
    if (!pair.terms.empty()) model_.rows.push_back(pair);
    for (int d : vs)  // a copy-in cannot be issued before its release
      for (int s : vs)
        if (info_[d].kind == Kind::kFree && info_[s].kind == Kind::kIn &&
            info_[s].slot < info_[d].slot)
          model_.rows.push_back(
              {{{d, 1.0}, {s, 1.0}}, -std::numeric_limits<double>::infinity(), 1.0});
  }
}

}  // namespace hycim::memplan
