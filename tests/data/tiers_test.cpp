// Tier placement against hand-computed plans, the tiered source serving every
// sample from the tier it was placed on, and the eviction-policy replay.
#include "runtime/data/tiers.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "runtime/data/eviction_sim.hpp"
#include "runtime/data/loader.hpp"
#include "runtime/data/order.hpp"
#include "runtime/data/pack.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::content_for;
using testing::make_tree;
using testing::TempDir;

std::vector<uint32_t> fast_ids(const TierPlan& p) {
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < p.on_fast.size(); ++i)
    if (p.on_fast[i]) ids.push_back(i);
  return ids;
}

class DataTiers : public ::testing::Test {
 protected:
  void SetUp() override {
    make_tree(src_.path(), 10, 1, {100});
    pack_directory(src_.path(), slow_.path());
    ds_ = std::make_unique<PackedDataset>(slow_.path());
  }
  TempDir src_, slow_;
  std::unique_ptr<PackedDataset> ds_;
  std::vector<uint32_t> seq_ = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
};

TEST_F(DataTiers, SlowTierTakesWhatItsBandwidthDeliversBeforeEachDeadline) {
  // 100-byte samples, one a step of 1 s, 50 B/s: step k's sample can come from
  // the slow tier iff the slow samples up to it fit in 50 * k bytes.
  TierPlan p = plan_tiers(*ds_, seq_, {1, 10, 1.0, 50.0, 0.0});
  EXPECT_EQ(fast_ids(p), (std::vector<uint32_t>{0, 1, 3, 5, 7, 9}));
  EXPECT_EQ(p.fast_bytes, 600u);
  EXPECT_EQ(p.slow_samples, 4u);
}

TEST_F(DataTiers, LeadTimeAndIterationCountChangeThePlan) {
  EXPECT_EQ(fast_ids(plan_tiers(*ds_, seq_, {1, 10, 1.0, 50.0, 2.0})),
            (std::vector<uint32_t>{1, 3, 5, 7, 9}));
  // Samples never needed within 5 steps stay on the slow tier.
  EXPECT_EQ(fast_ids(plan_tiers(*ds_, seq_, {1, 5, 1.0, 50.0, 0.0})),
            (std::vector<uint32_t>{0, 1, 3}));
  // Batches of 2: steps at 0,1,2,3,4 s need samples {0,1},{2,3},...
  EXPECT_EQ(fast_ids(plan_tiers(*ds_, seq_, {2, 5, 1.0, 100.0, 0.0})),
            (std::vector<uint32_t>{0, 1, 3, 5, 7, 9}));
  // Planning on half of 100 B/s is planning on 50 B/s.
  TierParams half{1, 10, 1.0, 100.0, 0.0, 0.5};
  EXPECT_EQ(fast_ids(plan_tiers(*ds_, seq_, half)), (std::vector<uint32_t>{0, 1, 3, 5, 7, 9}));
  // A repeat in a later epoch does not count as a new first need.
  std::vector<uint32_t> twice = {0, 1, 0, 1};
  EXPECT_EQ(fast_ids(plan_tiers(*ds_, twice, {1, 4, 1.0, 1000.0, 0.0})),
            (std::vector<uint32_t>{0}));
}

TEST_F(DataTiers, NoSlowSampleArrivesAfterItsStepOnAShuffledOrder) {
  TempDir src, slow;
  make_tree(src.path(), 500, 4, {300, 1200, 700, 2500, 90});
  pack_directory(src.path(), slow.path());
  PackedDataset ds(slow.path());
  auto seq = epoch_order(3, 0, 500);
  const TierParams p{8, 62, 0.01, 200000.0, 0.0};
  TierPlan plan = plan_tiers(ds, seq, p);
  double stream = 0;
  for (uint64_t k = 0; k < 8 * 62; ++k) {
    if (plan.on_fast[seq[k]]) continue;
    stream += ds.entry(seq[k]).length;
    EXPECT_LE(stream, p.slow_bytes_per_s * (double(k / 8) * p.iteration_s)) << k;
  }
  EXPECT_GT(plan.slow_samples, 0u);
  EXPECT_GT(plan.fast_samples, 0u);
}

TEST_F(DataTiers, TieredSourceServesEverySampleFromItsTier) {
  TempDir fast;
  TierPlan plan = plan_tiers(*ds_, seq_, {1, 10, 1.0, 50.0, 0.0});
  place_fast_tier(*ds_, plan, fast.path());
  PackedDataset fast_ds(fast.path());
  EXPECT_EQ(fast_ds.sample_count(), 6u);
  TieredSource tiered(fast_ds, *ds_, 0.0);
  LoaderOptions o;
  o.batch_size = 3;
  o.cache.max_gap_bytes = 0;
  Loader l(tiered, o);
  l.start_epoch(0);
  uint32_t n = 0;
  for (Batch b; l.next(b);)
    for (auto& s : b.samples) {
      EXPECT_EQ(s.bytes, content_for(ds_->name(s.id), 100));
      ++n;
    }
  EXPECT_EQ(n, 10u);
  EXPECT_EQ(tiered.slow_bytes_read(), plan.slow_bytes);
}

TEST(DataEviction, ClairvoyantKeepsWhatIsNeededSoonest) {
  std::vector<uint32_t> acc = {0, 1, 2, 0, 1, 2};
  std::vector<uint32_t> sizes = {1, 1, 1};
  HitCount b = simulate_cache(acc, sizes, 2, EvictionPolicy::clairvoyant);
  HitCount l = simulate_cache(acc, sizes, 2, EvictionPolicy::lru);
  EXPECT_EQ(b.hits, 2u);
  EXPECT_EQ(l.hits, 0u);
  EXPECT_EQ(b.accesses, 6u);
  EXPECT_EQ(simulate_cache(acc, sizes, 2, EvictionPolicy::lru, 3).accesses, 3u);
}

TEST(DataEviction, ClairvoyantBeatsLruOnShuffledEpochs) {
  const uint32_t n = 2000;
  std::vector<uint32_t> acc, sizes(n, 10);
  for (uint64_t e = 0; e < 4; ++e) {
    auto o = epoch_order(8, e, n);
    acc.insert(acc.end(), o.begin(), o.end());
  }
  for (uint64_t cap : {4000u, 7000u, 13000u}) {
    HitCount b = simulate_cache(acc, sizes, cap, EvictionPolicy::clairvoyant, n);
    HitCount l = simulate_cache(acc, sizes, cap, EvictionPolicy::lru, n);
    EXPECT_GT(b.hits, l.hits) << cap;
    EXPECT_LE(b.rate(), double(cap / 10) / n + 1e-9);  // can never beat holding cap bytes
  }
}

}  // namespace
}  // namespace hycim::data
