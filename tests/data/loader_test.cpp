// The loader through the prefetch cache: every sample once per epoch with its
// bytes and label, identical orders on resume, bounded memory across epochs,
// caches smaller than a shard or a sample, and grouped reads.
#include "runtime/data/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime/data/dataset.hpp"
#include "runtime/data/pack.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::content_for;
using testing::make_tree;
using testing::TempDir;

class DataLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    make_tree(src_.path(), 96, 3, {700, 1300, 2100, 90, 4000});
    PackOptions o;
    o.shard_bytes = 16384;
    pack_directory(src_.path(), out_.path(), o);
    ds_ = std::make_unique<PackedDataset>(out_.path());
  }
  std::vector<std::vector<uint32_t>> run_epoch(Loader& l, uint64_t epoch, uint64_t first = 0) {
    std::vector<std::vector<uint32_t>> ids;
    l.start_epoch(epoch, first);
    for (Batch b; l.next(b);) {
      ids.emplace_back();
      for (auto& s : b.samples) {
        EXPECT_EQ(s.bytes, content_for(ds_->name(s.id), ds_->entry(s.id).length));
        EXPECT_EQ(s.label, ds_->label(s.id));
        ids.back().push_back(s.id);
      }
    }
    return ids;
  }
  TempDir src_, out_;
  std::unique_ptr<PackedDataset> ds_;
};

TEST_F(DataLoader, EpochServesEverySampleOnceInTheSeededOrder) {
  LoaderOptions o;
  o.batch_size = 10;
  o.seed = 11;
  Loader l(*ds_, o);
  EXPECT_EQ(l.batches_per_epoch(), 10u);
  for (uint64_t e = 0; e < 2; ++e) {
    auto batches = run_epoch(l, e);
    ASSERT_EQ(batches.size(), 10u);
    EXPECT_EQ(batches.back().size(), 6u);
    std::vector<uint32_t> flat;
    for (auto& b : batches) flat.insert(flat.end(), b.begin(), b.end());
    EXPECT_EQ(flat, epoch_order(11, e, 96));
  }
}

TEST_F(DataLoader, RanksInOneProcessCoverTheEpochWithEqualBatches) {
  std::vector<int> count(96, 0);
  for (uint32_t r = 0; r < 5; ++r) {
    LoaderOptions o;
    o.batch_size = 4;
    o.rank = r;
    o.world = 5;
    Loader l(*ds_, o);
    auto batches = run_epoch(l, 3);
    EXPECT_EQ(batches.size(), 5u);  // floor(96 / 5) = 19 samples -> 5 batches on every rank
    for (auto& b : batches)
      for (uint32_t id : b) count[id]++;
  }
  EXPECT_EQ(std::count(count.begin(), count.end(), 1), 95);
  EXPECT_EQ(std::count(count.begin(), count.end(), 0), 1);
}

TEST_F(DataLoader, ResumingMidEpochGivesTheSameOrder) {
  LoaderOptions o;
  o.batch_size = 8;
  o.seed = 4;
  Loader a(*ds_, o), b(*ds_, o);
  auto full = run_epoch(a, 2);
  auto resumed = run_epoch(b, 2, 5);
  ASSERT_EQ(resumed.size(), full.size() - 5);
  EXPECT_TRUE(std::equal(resumed.begin(), resumed.end(), full.begin() + 5));
}

TEST_F(DataLoader, CacheSmallerThanASampleStillServesEverything) {
  LoaderOptions o;
  o.batch_size = 7;
  o.cache.capacity_bytes = 1;
  o.cache.workers = 3;
  Loader l(*ds_, o);
  auto batches = run_epoch(l, 0);
  size_t n = 0;
  for (auto& b : batches) n += b.size();
  EXPECT_EQ(n, 96u);
  EXPECT_LE(l.epoch_stats().peak_reserved_bytes, 4000u);  // one sample at a time
}

TEST_F(DataLoader, ReservedMemoryStaysUnderTheCapacityEveryEpoch) {
  LoaderOptions o;
  o.batch_size = 5;
  o.cache.capacity_bytes = 9000;  // smaller than one 16 KiB shard
  Loader l(*ds_, o);
  for (uint64_t e = 0; e < 4; ++e) {
    run_epoch(l, e);
    EXPECT_LE(l.epoch_stats().peak_reserved_bytes, 9000u) << e;
    EXPECT_EQ(l.epoch_stats().requests, 96u);
  }
}

TEST_F(DataLoader, WholeEpochWindowReadsEachShardOnceAndHitsEverything) {
  LoaderOptions o;
  o.batch_size = 16;
  o.cache.workers = 1;
  o.cache.group_samples = 96;
  o.cache.max_gap_bytes = 1 << 20;
  Loader l(*ds_, o);
  l.start_epoch(0);
  // Let the planning rounds finish before consuming: every take is a hit.
  // The cache reads on into epoch 1 (its order is known), one window too.
  while (l.epoch_stats().bytes_read < 2 * ds_->total_bytes()) std::this_thread::yield();
  for (Batch b; l.next(b);) {
  }
  CacheStats s = l.epoch_stats();
  EXPECT_EQ(s.reads, 2 * ds_->shards().size());
  EXPECT_EQ(s.bytes_read, 2 * ds_->total_bytes());
  EXPECT_EQ(s.hits, 96u);
  EXPECT_EQ(s.hit_rate_after_warmup(), 1.0);
}

TEST_F(DataLoader, TheNextEpochsFirstBatchIsServedFromTheCache) {
  LoaderOptions o;
  o.batch_size = 16;
  o.seed = 5;
  o.cache.capacity_bytes = 1ull << 30;  // room for the next epoch too
  Loader l(*ds_, o);
  for (uint64_t e = 0; e < 3; ++e) {
    l.start_epoch(e);
    Batch b;
    std::vector<uint32_t> ids;
    ASSERT_TRUE(l.next(b));
    if (e > 0) {
      // Read while the previous epoch ended: every sample of the first batch a hit.
      const CacheStats first = l.epoch_stats();
      EXPECT_EQ(first.requests, 16u);
      EXPECT_EQ(first.hits, 16u) << "epoch " << e;
    }
    for (auto& s : b.samples) ids.push_back(s.id);
    while (l.next(b))
      for (auto& s : b.samples) {
        EXPECT_EQ(s.bytes, content_for(ds_->name(s.id), ds_->entry(s.id).length));
        ids.push_back(s.id);
      }
    // The epoch still ends where its own order does, in that order.
    EXPECT_EQ(ids, epoch_order(5, e, 96)) << "epoch " << e;
    EXPECT_EQ(l.epoch_stats().requests, 96u);
    // The workers read on into the next epoch: wait (bounded) for its first batch.
    for (int i = 0; i < 2000 && l.next_epoch_ready() < 16; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_GE(l.next_epoch_ready(), 16u) << "epoch " << e;
  }
  // Each epoch's window resets, but the total loses nothing across the
  // boundaries. One read may serve a sample's positions in two epochs (they
  // were planned together), so every byte was read once at least, not thrice.
  const CacheStats total = l.total_stats();
  EXPECT_EQ(total.requests, 3 * 96u);
  EXPECT_GE(total.bytes_read, ds_->total_bytes());
  EXPECT_GE(total.reads, 1u);
  // Resuming elsewhere (not the epoch right after) restarts the cache and
  // still serves the right order.
  l.start_epoch(7, 2);
  std::vector<uint32_t> rest;
  for (Batch b; l.next(b);)
    for (auto& s : b.samples) rest.push_back(s.id);
  const auto order = epoch_order(5, 7, 96);
  EXPECT_EQ(rest, std::vector<uint32_t>(order.begin() + 32, order.end()));
}

}  // namespace
}  // namespace hycim::data
