#include "runtime/memplan/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hycim::memplan {

const char* to_string(Action a) {
  switch (a) {
    case Action::kKeep:
      return "keep";
    case Action::kSwap:
      return "swap";
    case Action::kRecompute:
      return "recompute";
  }
  return "?";
}

Plan Plan::keep_all(const Trace& tr, std::string planner) {
  Plan p;
  p.planner = std::move(planner);
  p.tensors.resize(tr.tensors.size());
  p.offloaded.assign(tr.ops.size(), false);
  return p;
}

bool resident_at(const Lifetime& l, const TensorPlan& p, int j) {
  switch (p.action) {
    case Action::kKeep:
      return l.producer <= j && j <= l.last_use;
    case Action::kSwap:
      return (l.producer <= j && j < p.free_at) || (p.swap_in_at <= j && j <= l.last_use);
    case Action::kRecompute:
      return (l.producer <= j && j <= l.last_fwd_use) || (p.remat_at <= j && j <= l.last_use);
  }
  return false;
}

std::vector<bool> off_gpu_tensors(const Trace& tr, const std::vector<bool>& offloaded) {
  std::vector<bool> on_gpu(tr.tensors.size(), false);
  for (std::size_t j = 0; j < tr.ops.size(); ++j) {
    if (!offloaded.empty() && offloaded[j]) continue;
    for (int id : tr.ops[j].reads) on_gpu[id] = true;
    for (int id : tr.ops[j].writes) on_gpu[id] = true;
  }
  std::vector<bool> off(tr.tensors.size());
  for (std::size_t i = 0; i < off.size(); ++i) off[i] = !on_gpu[i];
  return off;
}

namespace {

// Adds `bytes` over the slots where `live(j)` holds, j in [lo, hi].
template <typename F>
void add_range(std::vector<std::uint64_t>& prof, std::uint64_t bytes, int lo, int hi, F live) {
  for (int j = std::max(lo, 0); j <= hi && j < static_cast<int>(prof.size()); ++j)
    if (live(j)) prof[j] += bytes;
}

std::uint64_t resident_persistent(const Trace& tr, const std::vector<bool>& off) {
  std::uint64_t b = 0;
  for (std::size_t i = 0; i < tr.tensors.size(); ++i)
    if (is_persistent(tr.tensors[i].kind) && !off[i]) b += tr.tensors[i].bytes;
  return b;
}

}  // namespace

std::vector<std::uint64_t> memory_profile(const Trace& tr, const std::vector<Lifetime>& lt,
                                          const Plan& plan) {
  const auto off = off_gpu_tensors(tr, plan.offloaded);
  std::vector<std::uint64_t> prof(tr.ops.size(), resident_persistent(tr, off));
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    if (is_persistent(tr.tensors[i].kind) || off[i]) continue;
    const Lifetime& l = lt[i];
    const TensorPlan& p = l.managed ? plan.tensors[i] : TensorPlan{};
    add_range(prof, tr.tensors[i].bytes, l.producer, l.last_use,
              [&](int j) { return resident_at(l, p, j); });
  }
  return prof;
}

std::uint64_t peak(const std::vector<std::uint64_t>& profile) {
  return profile.empty() ? 0 : *std::max_element(profile.begin(), profile.end());
}

std::vector<std::uint64_t> floor_profile(const Trace& tr, const std::vector<Lifetime>& lt,
                                         const std::vector<bool>& offloaded) {
  const auto off = off_gpu_tensors(tr, offloaded);
  std::vector<std::uint64_t> prof(tr.ops.size(), resident_persistent(tr, off));
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    if (is_persistent(tr.tensors[i].kind) || off[i]) continue;
    const Lifetime& l = lt[i];
    const int hi = l.managed ? l.last_fwd_use : l.last_use;
    add_range(prof, tr.tensors[i].bytes, l.producer, hi, [](int) { return true; });
  }
  // Managed tensors must also be back for every backward op that reads them.
  for (std::size_t j = 0; j < tr.ops.size(); ++j)
    for (int id : tr.ops[j].reads)
      if (lt[id].managed && static_cast<int>(j) > lt[id].last_fwd_use)
        prof[j] += tr.tensors[id].bytes;
  return prof;
}

void check_budget(const Trace& tr, const std::vector<Lifetime>& lt,
                  const std::vector<bool>& offloaded, std::uint64_t budget) {
  const auto fl = floor_profile(tr, lt, offloaded);
  const auto it = std::max_element(fl.begin(), fl.end());
  if (*it > budget) {
    const auto j = it - fl.begin();
    throw MemplanError(fmt::format(
        "budget: {} bytes is below the {} bytes op '{}' needs with every idle activation "
        "swapped out (persistent tensors plus what it reads and writes)",
        budget, *it, tr.ops[j].name));
  }
}

std::string validate(const Trace& tr, const std::vector<Lifetime>& lt, const Plan& plan) {
  if (plan.tensors.size() != tr.tensors.size() || plan.offloaded.size() != tr.ops.size())
    return "plan does not match the trace's tensor/op counts";
  for (std::size_t j = 0; j < tr.ops.size(); ++j)
    if (plan.offloaded[j] && tr.ops[j].phase != Phase::kInference)
      return fmt::format("op '{}' is offloaded but is not a fixed-weight (inference) op",
                         tr.ops[j].name);
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    const TensorPlan& p = plan.tensors[i];
    const Lifetime& l = lt[i];
    const std::string& n = tr.tensors[i].name;
    if (p.action == Action::kKeep) continue;
    if (!l.managed) return fmt::format("tensor '{}' is not a managed activation", n);
    if (p.action == Action::kSwap) {
      if (p.free_at <= l.last_fwd_use || p.swap_in_at < p.free_at || p.swap_in_at > l.first_bwd_use)
        return fmt::format("tensor '{}': swap slots free_at={} swap_in_at={} outside ({}, {}]", n,
                           p.free_at, p.swap_in_at, l.last_fwd_use, l.first_bwd_use);
      continue;
    }
    if (p.remat_at <= l.last_fwd_use || p.remat_at > l.first_bwd_use)
      return fmt::format("tensor '{}': remat_at={} outside ({}, {}]", n, p.remat_at, l.last_fwd_use,
                         l.first_bwd_use);
    for (int x : tr.ops[l.producer].reads) {
      if (is_persistent(tr.tensors[x].kind)) continue;
      const TensorPlan& px = lt[x].managed ? plan.tensors[x] : TensorPlan{};
      if (!resident_at(lt[x], px, p.remat_at))
        return fmt::format("tensor '{}': recomputing it at op '{}' needs '{}', not resident then",
                           n, tr.ops[p.remat_at].name, tr.tensors[x].name);
    }
  }
  return {};
}

void assign_remat_slots(const Trace& tr, const std::vector<Lifetime>& lt, Plan& plan) {
  std::vector<int> order;
  for (std::size_t i = 0; i < tr.tensors.size(); ++i)
    if (lt[i].managed && plan.tensors[i].action == Action::kRecompute) order.push_back(i);
  // A producer reading a transient tensor cannot be re-run in the backward pass.
  for (int a : order)
    for (int x : tr.ops[lt[a].producer].reads)
      if (!is_persistent(tr.tensors[x].kind) && !lt[x].managed) plan.tensors[a] = TensorPlan{};
  std::erase_if(order, [&](int a) { return plan.tensors[a].action != Action::kRecompute; });
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return lt[a].producer > lt[b].producer; });
  for (int a : order) plan.tensors[a].remat_at = lt[a].first_bwd_use;
  for (int c : order) {  // consumers come first: their slot is final when read
    for (int x : tr.ops[lt[c].producer].reads) {
      TensorPlan& px = plan.tensors[x];
      if (!lt[x].managed) continue;
      const int r = plan.tensors[c].remat_at;
      if (px.action == Action::kRecompute) px.remat_at = std::min(px.remat_at, r);
      if (px.action == Action::kSwap && px.swap_in_at > r) {
        px.swap_in_at = r;
        if (px.swap_in_at < px.free_at) px = TensorPlan{};  // no room to swap: keep it
      }
    }
  }
}

}  // namespace hycim::memplan
