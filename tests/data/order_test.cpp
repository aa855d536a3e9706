// Epoch orders and rank shares: exact, reproducible orders; equal batches on
// every rank whatever the remainder; no sample lost or repeated across ranks;
// shuffle quality measured.
#include "runtime/data/order.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hycim::data {
namespace {

TEST(DataOrder, IsAFixedFunctionOfSeedAndEpoch) {
  // Pinned values: a change here silently changes every user's training order.
  EXPECT_EQ(epoch_order(42, 0, 10), (std::vector<uint32_t>{4, 1, 7, 2, 3, 5, 9, 0, 8, 6}));
  EXPECT_EQ(epoch_order(42, 1, 10), (std::vector<uint32_t>{5, 7, 0, 6, 4, 8, 1, 9, 2, 3}));
  EXPECT_EQ(epoch_order(42, 3, 1000), epoch_order(42, 3, 1000));
  EXPECT_NE(epoch_order(42, 3, 1000), epoch_order(43, 3, 1000));
}

TEST(DataOrder, IsAPermutation) {
  for (uint32_t n : {0u, 1u, 2u, 7u, 1000u}) {
    auto o = epoch_order(9, 2, n);
    std::sort(o.begin(), o.end());
    std::vector<uint32_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0u);
    EXPECT_EQ(o, ids) << n;
  }
}

TEST(DataOrder, EveryRankGetsTheSameNumberOfBatches) {
  RankShare d = rank_share(10, 4, 2, Remainder::drop, false);
  EXPECT_EQ(d.samples_per_rank, 2u);
  EXPECT_EQ(d.batches, 1u);
  RankShare p = rank_share(10, 4, 2, Remainder::pad, false);
  EXPECT_EQ(p.samples_per_rank, 3u);
  EXPECT_EQ(p.batches, 2u);
  RankShare dl = rank_share(10, 4, 2, Remainder::pad, true);
  EXPECT_EQ(dl.samples_per_rank, 2u);
  EXPECT_EQ(dl.batches, 1u);
}

TEST(DataOrder, LittleDataGivesEmptyOrPaddedEpochsNotAHang) {
  RankShare d = rank_share(3, 4, 8, Remainder::drop, false);
  EXPECT_EQ(d.samples_per_rank, 0u);
  EXPECT_EQ(d.batches, 0u);
  RankShare p = rank_share(3, 4, 8, Remainder::pad, false);
  EXPECT_EQ(p.samples_per_rank, 1u);
  EXPECT_EQ(p.batches, 1u);
  auto order = epoch_order(1, 0, 3);
  EXPECT_EQ(rank_sequence(order, 3, 4, 1), std::vector<uint32_t>{order[0]});
  EXPECT_TRUE(rank_sequence({}, 0, 4, 1).empty());
}

TEST(DataOrder, RanksSplitTheOrderWithoutLossOrRepeat) {
  const uint32_t n = 1003, world = 4;
  auto order = epoch_order(5, 1, n);
  RankShare s = rank_share(n, world, 16, Remainder::drop, false);
  std::vector<int> count(n, 0);
  for (uint32_t r = 0; r < world; ++r)
    for (uint32_t id : rank_sequence(order, r, world, s.samples_per_rank)) count[id]++;
  // Exactly the first world * floor(n / world) of the order, once each.
  for (uint32_t i = 0; i < n; ++i) EXPECT_EQ(count[order[i]], i < 1000 ? 1 : 0) << i;
}

TEST(DataOrder, ShuffleQualityIsMeasured) {
  const uint32_t n = 4096;
  std::vector<uint32_t> sorted(n);
  std::iota(sorted.begin(), sorted.end(), 0u);
  EXPECT_EQ(neighbour_difference_entropy(sorted, n), 0.0);
  EXPECT_DOUBLE_EQ(neighbour_difference_entropy(std::vector<uint32_t>{0, 1, 3, 4, 6}, 8), 1.0);
  // A buffer-local shuffle (sorted blocks of 64 shuffled inside) against a full one.
  std::vector<uint32_t> local = sorted;
  for (uint32_t b = 0; b < n; b += 64) {
    auto o = epoch_order(3, b, 64);
    for (uint32_t k = 0; k < 64; ++k) local[b + k] = b + o[k];
  }
  double full = neighbour_difference_entropy(epoch_order(3, 0, n), n);
  double buffered = neighbour_difference_entropy(local, n);
  EXPECT_GT(full, std::log2(n) - 1.0);
  EXPECT_LT(buffered, 7.5);  // at most ~log2(2 * 64) distinct differences dominate
}

}  // namespace
}  // namespace hycim::data
