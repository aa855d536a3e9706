// The training-side loader: epochs of equal-sized per-rank batches in a
// seeded full-shuffle order, read through the shuffle-aware prefetch cache.
// The next epoch's order is known too, so the cache reads on into it while
// an epoch ends: starting epoch e+1 right after e continues the same cache
// (no worker restart) and its first batches are already resident.
//
//   Loader loader(dataset, {.batch_size = 256, .seed = 7, .rank = r, .world = w});
//   for (uint64_t e = 0; e < epochs; ++e) {
//     loader.start_epoch(e);            // or start_epoch(e, batch) to resume mid-epoch
//     for (Batch b; loader.next(b);) train(b);
//     log(loader.epoch_stats());
//   }
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/data/order.hpp"
#include "runtime/data/prefetch_cache.hpp"
#include "runtime/data/source.hpp"

namespace hycim::data {

struct LoaderOptions {
  uint32_t batch_size = 32;
  uint64_t seed = 0;
  uint32_t rank = 0, world = 1;
  Remainder remainder = Remainder::drop;
  bool drop_last_batch = false;
  CacheOptions cache;
};

struct Sample {
  uint32_t id;
  int32_t label;
  std::vector<std::byte> bytes;
};

struct Batch {
  uint64_t epoch = 0, index = 0;
  std::vector<Sample> samples;
};

class Loader {
 public:
  Loader(SampleSource& src, LoaderOptions opts);
  uint64_t batches_per_epoch() const { return share_.batches; }
  // This rank's ids for `epoch`, in consumption order (computable ahead of time).
  std::vector<uint32_t> sequence(uint64_t epoch) const;
  // Starts (or resumes at batch first_batch of) an epoch; the order is the same
  // whatever batch it starts from. Epoch e+1 from its first batch, right
  // after epoch e was served to its end, continues the cache.
  void start_epoch(uint64_t epoch, uint64_t first_batch = 0);
  // Samples of the next epoch already resident (read ahead across the boundary).
  size_t next_epoch_ready() const;
  // Fills `out` with the next batch; false at the end of the epoch. The
  // buffers `out` held are reused: move bytes out to keep them.
  bool next(Batch& out);
  // What the cache did since this epoch began; its reads include those it
  // made ahead into the next epoch.
  CacheStats epoch_stats() const { return cache_.stats(); }
  // Since the loader was made: the sum no epoch boundary splits.
  CacheStats total_stats() const { return cache_.total_stats(); }

 private:
  SampleSource& src_;
  LoaderOptions opts_;
  RankShare share_;
  PrefetchCache cache_;
  uint64_t epoch_ = 0, batch_ = 0;
  bool started_ = false;
  // Where this epoch ends in the cache's sequence (which runs on into the next).
  size_t epoch_end_ = 0;
};

}  // namespace hycim::data
