// Cache-behaviour modes: the prefetch hit rate under a simulated training
// step, the clairvoyant-vs-LRU replay, and the tier split against a slow tier
// throttled to a given bandwidth.
#include <cmath>
#include <filesystem>
#include <thread>

#include "bench/data/bench_common.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/eviction_sim.hpp"
#include "runtime/data/loader.hpp"
#include "runtime/data/order.hpp"
#include "runtime/data/tiers.hpp"

namespace hycim::data::bench {

namespace {

void sleep_ms(double ms) {
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

// Runs `iters` simulated steps: wait for the batch, then "train" for step_ms.
// Counts the steps that waited more than 1 ms for data.
struct StepStats {
  uint64_t steps = 0, stalled_steps = 0;
  double stall_s = 0, first_stall_s = 0;
};
StepStats train(Loader& loader, uint64_t iters, double step_ms) {
  StepStats st;
  Batch b;
  for (; st.steps < iters; ++st.steps) {
    // Stall = time the loader waited for data (the cache's own clock), not
    // the bookkeeping around it.
    const uint64_t before = loader.epoch_stats().stall_ns;
    if (!loader.next(b)) break;
    const double waited = double(loader.epoch_stats().stall_ns - before) / 1e9;
    if (st.steps == 0) {
      st.first_stall_s = waited;  // the first batch always waits for its reads
    } else {
      st.stall_s += waited;
      st.stalled_steps += waited > 1e-3;
    }
    sleep_ms(step_ms);
  }
  return st;
}

}  // namespace

int run_train(int argc, char** argv) {
  if (argc < 5) return 2;
  PackedDataset ds(argv[0]);
  const LoaderOptions o = loader_options(argv[1], argv[2]);
  Loader loader(ds, o);
  loader.start_epoch(0);
  StepStats st = train(loader, std::stoull(argv[4]), std::stod(argv[3]));
  CacheStats cs = loader.epoch_stats();
  report({{"mode", "train"},
          {"step_ms", std::stod(argv[3])},
          {"steps", st.steps},
          {"hit_rate", cs.hit_rate()},
          {"hit_rate_after_first_batch", cs.hit_rate_after_warmup()},
          {"stalled_steps_after_first", st.stalled_steps},
          {"stall_s_after_first", st.stall_s},
          {"first_batch_s", st.first_stall_s}});
  return 0;
}

int run_hitrate(int argc, char** argv) {
  if (argc < 1) return 2;
  PackedDataset ds(argv[0]);
  const uint32_t n = ds.sample_count();
  std::vector<uint32_t> sizes(n), acc;
  for (uint32_t id = 0; id < n; ++id) sizes[id] = ds.entry(id).length;
  for (uint64_t e = 0; e < 4; ++e) {
    auto o = epoch_order(0, e, n);
    acc.insert(acc.end(), o.begin(), o.end());
  }
  // Shuffle quality of the full shuffle against a shuffle within blocks of
  // 1000 consecutive ids (what a buffer-local shuffle over packed order gives).
  std::vector<uint32_t> local(n);
  for (uint32_t b = 0; b < n; b += 1000) {
    auto o = epoch_order(1, b, std::min(1000u, n - b));
    for (uint32_t k = 0; k < o.size(); ++k) local[b + k] = b + o[k];
  }
  report({{"mode", "shuffle"},
          {"samples", n},
          {"log2_n", std::log2(double(n))},
          {"entropy_full", neighbour_difference_entropy(epoch_order(0, 0, n), n)},
          {"entropy_block_1000", neighbour_difference_entropy(local, n)}});
  for (double f : {0.20, 0.35, 0.65}) {
    const auto cap = static_cast<uint64_t>(f * double(ds.total_bytes()));
    // Epoch 0 is cold for every policy; epochs 1-3 are the steady state.
    HitCount c = simulate_cache(acc, sizes, cap, EvictionPolicy::clairvoyant, n);
    HitCount l = simulate_cache(acc, sizes, cap, EvictionPolicy::lru, n);
    report({{"mode", "hitrate"},
            {"cached_fraction", f},
            {"clairvoyant", c.rate()},
            {"lru", l.rate()}});
  }
  return 0;
}

int run_tiers(int argc, char** argv) {
  if (argc < 5) return 2;
  PackedDataset slow(argv[0]);
  const std::filesystem::path fast_dir = argv[1];
  const double slow_bps = std::stod(argv[2]) * 1e6, step_ms = std::stod(argv[3]);
  const uint64_t iters = std::stoull(argv[4]);
  const double usable = argc > 5 ? std::stod(argv[5]) : 0.9;
  const uint32_t batch = 256;
  auto seq = epoch_order(0, 0, slow.sample_count());
  TierPlan plan = plan_tiers(slow, seq, {batch, iters, step_ms / 1e3, slow_bps, 0.0, usable});
  for (bool use_plan : {true, false}) {
    // Baseline: nothing on the fast tier (an empty fast dataset).
    TierPlan placed = plan;
    if (!use_plan) std::fill(placed.on_fast.begin(), placed.on_fast.end(), 0);
    place_fast_tier(slow, placed, fast_dir);
    PackedDataset fast(fast_dir);
    TieredSource src(fast, slow, slow_bps);
    LoaderOptions o;
    o.batch_size = batch;
    o.cache.workers = 16;  // queue depth of the emulated slow device; see docs/data-cache.md
    o.cache.capacity_bytes = 1ull << 30;
    o.cache.max_gap_bytes = 0;  // never spend slow-tier bandwidth on samples not asked for
    Loader loader(src, o);
    loader.start_epoch(0);
    StepStats st = train(loader, iters, step_ms);
    report({{"mode", "tiers"},
            {"placement", use_plan ? "plan" : "all-slow"},
            {"usable_fraction", usable},
            {"slow_mb_per_s", slow_bps / 1e6},
            {"step_ms", step_ms},
            {"steps", st.steps},
            {"fast_fraction_bytes",
             double(placed.on_fast.empty() ? 0 : (use_plan ? plan.fast_bytes : 0)) /
                 double(slow.total_bytes())},
            {"slow_bytes_read", src.slow_bytes_read()},
            {"stalled_steps_after_first", st.stalled_steps},
            {"stall_s_after_first", st.stall_s},
            {"first_batch_s", st.first_stall_s}});
  }
  return 0;
}

}  // namespace hycim::data::bench
