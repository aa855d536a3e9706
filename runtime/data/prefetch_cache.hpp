// Shuffle-aware prefetch cache. The epoch's consumption sequence is known
// before the epoch starts, so the cache index is simply one slot per position:
// workers walk the sequence ahead of the consumer, reserve memory, group the
// misses of a window by unit (shard, tier, node), coalesce neighbours into
// large reads and fill the slots; the consumer takes each slot once and the
// entry is evicted at that moment (its next use is in a later epoch, so
// keeping it would only take the place of a sample needed sooner).
//
// The sequence may grow while it is served (append()): the loader appends
// the next epoch's order as an epoch starts, so the workers read into it as
// the current epoch ends, without a restart, and positions consumed long ago
// are dropped from the index as it grows.
//
// Memory: reserved bytes never exceed capacity_bytes, except that a single
// sample larger than the capacity is still admitted when nothing else is
// reserved, so a cache smaller than a shard, or than one sample, never
// deadlocks. Plus one run buffer (<= max_run_bytes) per worker and at most
// 64 MiB of recycled sample buffers.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/data/read_runs.hpp"
#include "runtime/data/source.hpp"

namespace hycim::data {

struct CacheOptions {
  uint64_t capacity_bytes = 256ull << 20;
  unsigned workers = 2;
  uint32_t group_samples = 512;          // positions planned per worker round
  uint64_t max_gap_bytes = 64ull << 10;  // read through gaps up to this size
  uint64_t max_run_bytes = 16ull << 20;  // largest single read
  uint64_t warmup_samples = 0;           // requests not counted in the "after warm-up" hit rate
};

struct CacheStats {
  uint64_t requests = 0, hits = 0;
  uint64_t requests_after_warmup = 0, hits_after_warmup = 0;
  uint64_t stall_ns = 0;    // time the consumer waited for data
  uint64_t bytes_read = 0;  // from the source, including gaps read through
  uint64_t reads = 0;       // read_run calls
  uint64_t peak_reserved_bytes = 0;
  // Adds another window's counts (peak: the larger of the two).
  CacheStats& operator+=(const CacheStats& o);
  double hit_rate() const { return requests ? double(hits) / double(requests) : 1.0; }
  double hit_rate_after_warmup() const {
    return requests_after_warmup ? double(hits_after_warmup) / double(requests_after_warmup) : 1.0;
  }
};

class PrefetchCache {
 public:
  PrefetchCache(SampleSource& src, CacheOptions opts);
  ~PrefetchCache();
  PrefetchCache(const PrefetchCache&) = delete;
  PrefetchCache& operator=(const PrefetchCache&) = delete;

  // Builds the index for `sequence` and prefetches from position `start` on;
  // stops whatever the previous sequence had in flight. Resets the stats.
  void start(std::vector<uint32_t> sequence, size_t start = 0);
  // Appends positions to the sequence being served; the workers go on into
  // them. Positions are never renumbered.
  void append(const std::vector<uint32_t>& more);
  // Zeroes the stats (the warm-up counts from the current position).
  void reset_stats();
  bool done() const;
  size_t position() const { return take_pos_; }
  // The sample id at a position not yet dropped (from the consumer's position on).
  uint32_t id_at(size_t pos) const;
  // How many positions from the consumer's on are resident, ready to take.
  size_t ready_ahead() const;
  // The next sample's bytes, in sequence order; rethrows a read error (a
  // DataError naming file and sample) at the position it concerns.
  std::vector<std::byte> take();
  // The next n samples (fewer at the end): waits once for all of them, so a
  // batch costs the consumer one wake-up, not one per sample. Rethrows the
  // first read error among them.
  std::vector<std::vector<std::byte>> take_batch(size_t n);
  // Like take(), but never waits: when the sample is not resident yet the
  // position is skipped (counted as a miss) and nullopt returned; the read in
  // flight is dropped when it lands and its reservation released then.
  std::optional<std::vector<std::byte>> try_take();
  // Counts since the last start() or reset_stats().
  CacheStats stats() const;
  // Counts since construction: no reset loses the reads the workers made
  // between a caller's stats() and the next reset.
  CacheStats total_stats() const;
  // Hands back a consumed sample's buffer for reuse by later reads: saves the
  // allocation, page faults and unmapping that dominate a warm read.
  void recycle(std::vector<std::byte>&& buffer);

 private:
  struct Slot {
    std::vector<std::byte> bytes;
    std::exception_ptr error;
    bool ready = false;
    bool skipped = false;
    bool landed = false;  // a skipped position's read has come back
  };
  // Caller holds mu_. Positions are absolute; the index keeps [base_, end_pos()).
  size_t end_pos() const { return base_ + seq_.size(); }
  Slot& slot(size_t pos) { return slots_[pos - base_]; }
  uint32_t id(size_t pos) const { return seq_[pos - base_]; }
  void stop();
  void worker();
  bool can_plan() const;
  void plan_group();
  void read_run(const ReadRun& run, std::vector<std::byte>& buf);
  void read_one(const PendingRead& p);
  void place(const PendingRead& p, std::vector<std::byte>&& bytes);
  void publish_error(const PendingRead& p, std::exception_ptr err);
  void count(bool hit);
  std::vector<std::byte> acquire(size_t n);
  struct Taken {
    std::vector<std::byte> bytes;
    std::exception_ptr error;
  };
  Taken consume(bool hit);

  SampleSource& src_;
  CacheOptions opts_;
  std::deque<uint32_t> seq_;
  std::deque<Slot> slots_;
  size_t base_ = 0;  // position of seq_.front()
  size_t plan_pos_ = 0, take_pos_ = 0;
  size_t stats_origin_ = 0;  // the warm-up counts from here
  uint64_t reserved_ = 0;
  // Planned reads not yet started, as a min-heap on first_pos: workers always
  // start the read the consumer will need first.
  std::vector<ReadRun> queue_;
  bool stop_ = false;
  bool consumer_waiting_ = false;
  size_t wait_end_ = 0;      // the consumer waits for positions [take_pos_, wait_end_)
  size_t wait_missing_ = 0;  // how many of them are not ready yet
  unsigned idle_workers_ = 0;
  CacheStats stats_;
  CacheStats earlier_;  // windows closed by start() and reset_stats()
  mutable std::mutex mu_;
  std::condition_variable work_cv_, ready_cv_;
  std::vector<std::thread> threads_;
  static constexpr uint64_t kMaxFreeBytes = 64ull << 20;
  std::mutex free_mu_;
  std::vector<std::vector<std::byte>> free_;  // recycled buffers
  uint64_t free_bytes_ = 0;
};

}  // namespace hycim::data
