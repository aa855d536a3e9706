// The prefetch cache against an in-memory source that records its reads:
// reads are issued in need order, neighbours in a unit are merged, and a
// position skipped by try_take() is dropped without leaking its budget.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "runtime/data/prefetch_cache.hpp"
#include "runtime/data/read_runs.hpp"

namespace hycim::data {
namespace {

// Sample id has 10 + id % 7 bytes, all equal to id; `units` samples per unit.
class FakeSource : public SampleSource {
 public:
  FakeSource(uint32_t n, uint32_t per_unit) : n_(n), per_unit_(per_unit) {}
  uint32_t sample_count() const override { return n_; }
  SampleRef locate(uint32_t id) const override {
    uint64_t off = 0;
    for (uint32_t k = id - id % per_unit_; k < id; ++k) off += len(k);
    return {id, id / per_unit_, off, len(id)};
  }
  int32_t label(uint32_t) const override { return 0; }
  void read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) override {
    std::unique_lock lk(mu_);
    if (refs.front().id == blocked_) {
      blocked_started_ = true;
      gate_cv_.notify_all();
    }
    gate_cv_.wait(lk, [&] { return refs.front().id != blocked_; });
    for (const auto& r : refs)
      std::fill_n(dst.begin() + static_cast<long>(r.offset - refs.front().offset), r.length,
                  static_cast<std::byte>(r.id));
    reads.push_back(refs.front().id);
  }
  void block(uint32_t id) {
    std::lock_guard lk(mu_);
    blocked_ = id;
  }
  void wait_until_blocked_read_started() {
    std::unique_lock lk(mu_);
    gate_cv_.wait(lk, [&] { return blocked_started_; });
  }
  void release() {
    block(UINT32_MAX);
    gate_cv_.notify_all();
  }
  static uint32_t len(uint32_t id) { return 10 + id % 7; }
  std::vector<uint32_t> reads;

 private:
  uint32_t n_, per_unit_;
  uint32_t blocked_ = UINT32_MAX;
  bool blocked_started_ = false;
  std::mutex mu_;
  std::condition_variable gate_cv_;
};

TEST(DataPrefetchCache, ReadsAreIssuedInTheOrderTheyAreNeeded) {
  FakeSource src(50, 1);  // one sample per unit: nothing merges
  CacheOptions o;
  o.workers = 1;
  o.group_samples = 50;
  PrefetchCache cache(src, o);
  std::vector<uint32_t> seq = {7, 3, 49, 0, 12, 5, 30, 31, 1, 2};
  cache.start(seq);
  auto batch = cache.take_batch(10);
  ASSERT_EQ(batch.size(), 10u);
  for (size_t k = 0; k < seq.size(); ++k)
    EXPECT_EQ(batch[k], std::vector<std::byte>(FakeSource::len(seq[k]), std::byte(seq[k])));
  EXPECT_EQ(src.reads, seq);
}

TEST(DataPrefetchCache, NeighboursInAUnitAreReadTogether) {
  std::vector<PendingRead> group;
  FakeSource src(20, 10);
  for (uint32_t id : {12u, 3u, 4u, 5u, 11u, 9u}) group.push_back({group.size(), src.locate(id)});
  auto runs = build_runs(group, 0, 1 << 20);
  ASSERT_EQ(runs.size(), 3u);  // {3,4,5} and {9} in unit 0, {11,12} in unit 1
  EXPECT_EQ(runs[0].items.size(), 3u);
  EXPECT_EQ(runs[0].first_pos, 1u);
  EXPECT_EQ(runs[1].items.size(), 1u);
  EXPECT_EQ(runs[2].first_pos, 0u);
  EXPECT_EQ(build_runs(group, 1 << 10, 1 << 20).size(), 2u);  // a gap of one sample is read through
}

TEST(DataPrefetchCache, SkippedPositionIsDroppedAndItsBudgetReturned) {
  FakeSource src(10, 1);
  CacheOptions o;
  o.workers = 2;
  o.capacity_bytes = 10;  // sample 0 only: nothing else is planned until its budget returns
  PrefetchCache cache(src, o);
  src.block(0);
  cache.start({0, 1, 2, 3, 4, 5});
  src.wait_until_blocked_read_started();
  EXPECT_FALSE(cache.try_take().has_value());  // sample 0's read cannot finish
  src.release();  // it lands after the skip: dropped, its 10 bytes released
  for (uint32_t id = 1; id < 6; ++id)
    EXPECT_EQ(cache.take(), std::vector<std::byte>(FakeSource::len(id), std::byte(id)));
  CacheStats st = cache.stats();
  EXPECT_EQ(st.requests, 6u);
  EXPECT_GE(st.requests - st.hits, 1u);
  EXPECT_LE(st.peak_reserved_bytes, 16u);  // one sample at a time
}

}  // namespace
}  // namespace hycim::data
