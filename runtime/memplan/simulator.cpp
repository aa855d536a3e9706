#include "runtime/memplan/simulator.hpp"

#include <algorithm>

namespace hycim::memplan {

namespace {

// Per-op lists of the plan's events, so the replay loop is a single pass.
struct Events {
  std::vector<std::vector<int>> frees, ins, remats;
};

Events index_events(const Trace& tr, const std::vector<Lifetime>& lt, const Plan& plan) {
  Events e;
  const std::size_t n = tr.ops.size();
  e.frees.resize(n);
  e.ins.resize(n);
  e.remats.resize(n);
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    if (!lt[i].managed) continue;
    const TensorPlan& p = plan.tensors[i];
    if (p.action == Action::kSwap) {
      e.frees[p.free_at].push_back(i);
      e.ins[p.swap_in_at].push_back(i);
    } else if (p.action == Action::kRecompute) {
      e.remats[p.remat_at].push_back(i);
    }
  }
  // Copy-ins issued at one op go in order of need (the executor does the same),
  // so a FIFO engine never makes an urgent copy wait behind a later one.
  for (auto& v : e.ins)
    std::sort(v.begin(), v.end(),
              [&](int a, int b) { return lt[a].first_bwd_use < lt[b].first_bwd_use; });
  // Re-run producers in forward order so a recomputed input precedes its user.
  for (auto& v : e.remats)
    std::sort(v.begin(), v.end(), [&](int a, int b) { return lt[a].producer < lt[b].producer; });
  return e;
}

struct Streams {
  double compute = 0, d2h = 0, h2d = 0, cim = 0;
};

}  // namespace

SimResult simulate(const Trace& tr, const std::vector<Lifetime>& lt, const Plan& plan,
                   const Hardware& hw, std::uint64_t budget, const OffloadTarget* target) {
  SimResult r;
  r.budget = budget;
  r.ideal_us = tr.total_compute_us();
  r.error = validate(tr, lt, plan);
  if (!r.error.empty()) {
    r.valid = false;
    return r;
  }
  const auto prof = memory_profile(tr, lt, plan);
  const Events ev = index_events(tr, lt, plan);
  std::vector<TransferCost> cost(tr.tensors.size());
  std::vector<double> out_done(tr.tensors.size(), 0), in_done(tr.tensors.size(), 0),
      ready(tr.tensors.size(), 0);
  Streams s;
  double busy = 0;  // compute-stream time spent on ops, recompute and (de)compression
  for (int j = 0; j < static_cast<int>(tr.ops.size()); ++j) {
    const Op& op = tr.ops[j];
    if (plan.offloaded[j]) {  // runs on the CIM device, in parallel with the GPU
      double start = s.cim;
      for (int x : op.reads) start = std::max(start, ready[x]);
      s.cim = start + (target ? target->device_us(tr, j) : op.compute_us);
      for (int y : op.writes) ready[y] = s.cim;
      r.ops.push_back({start, s.cim, prof[j]});
      continue;
    }
    for (int a : ev.frees[j]) s.compute = std::max(s.compute, out_done[a]);
    for (int a : ev.ins[j]) {
      const double start = std::max({s.compute, s.h2d, out_done[a]});
      in_done[a] = s.h2d = start + cost[a].in_us;
      r.transfers.push_back({a, false, start, s.h2d});
    }
    for (int a : ev.remats[j]) {
      s.compute += lt[a].recompute_us;
      r.recompute_us += lt[a].recompute_us;
    }
    for (int x : op.reads) {
      s.compute = std::max(s.compute, ready[x]);
      const TensorPlan& p = plan.tensors[x];
      if (!lt[x].managed || p.action != Action::kSwap || j != lt[x].first_bwd_use) continue;
      s.compute = std::max(s.compute, in_done[x]);
      s.compute += cost[x].decompress_us;
      r.compress_us += cost[x].decompress_us;
    }
    const double start = s.compute;
    s.compute += op.compute_us;
    r.ops.push_back({start, s.compute, prof[j]});
    for (int y : op.writes) {
      ready[y] = s.compute;
      if (!lt[y].managed || plan.tensors[y].action != Action::kSwap) continue;
      cost[y] = transfer_cost(tr.tensors[y], hw, plan.tensors[y].compressed);
      s.compute += cost[y].compress_us;
      r.compress_us += cost[y].compress_us;
      const double t0 = std::max(s.compute, s.d2h);
      out_done[y] = s.d2h = t0 + cost[y].out_us;
      r.transfers.push_back({y, true, t0, s.d2h});
      r.swapped_out_bytes += tr.tensors[y].bytes;
      r.wire_bytes += cost[y].wire_bytes;
    }
    busy += op.compute_us;
  }
  r.total_us = std::max(s.compute, s.cim);
  r.added_us = r.total_us - r.ideal_us;
  r.stall_us = s.compute - busy - r.recompute_us - r.compress_us;
  r.peak_bytes = peak(prof);
  for (std::size_t j = 0; j < prof.size() && r.first_over_budget < 0; ++j)
    if (prof[j] > budget) r.first_over_budget = static_cast<int>(j);
  r.within_budget = r.first_over_budget < 0;
  return r;
}

nlohmann::json chrome_trace(const Trace& tr, const SimResult& r) {
  using nlohmann::json;
  json ev = json::array();
  for (std::size_t j = 0; j < r.ops.size(); ++j) {
    const auto& o = r.ops[j];
    ev.push_back({{"name", tr.ops[j].name},
                  {"ph", "X"},
                  {"pid", 0},
                  {"tid", 0},
                  {"ts", o.start_us},
                  {"dur", o.end_us - o.start_us},
                  {"cat", to_string(tr.ops[j].phase)}});
    ev.push_back({{"name", "device memory"},
                  {"ph", "C"},
                  {"pid", 0},
                  {"ts", o.start_us},
                  {"args", {{"bytes", o.bytes}}}});
  }
  for (const auto& t : r.transfers)
    ev.push_back({{"name", tr.tensors[t.tensor].name},
                  {"ph", "X"},
                  {"pid", 0},
                  {"tid", t.to_host ? 1 : 2},
                  {"ts", t.start_us},
                  {"dur", t.end_us - t.start_us},
                  {"cat", t.to_host ? "swap-out" : "swap-in"}});
  return {{"traceEvents", ev}, {"displayTimeUnit", "ms"}};
}

}  // namespace hycim::memplan
