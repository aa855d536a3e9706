// Turns a window of planned cache misses into reads: grouped by unit, sorted
// by offset, neighbours closer than max_gap merged into one read of at most
// max_run bytes. Each run carries the earliest position that needs it, so
// the prefetcher issues the reads the consumer needs first before the others
// (on a bandwidth-limited tier that order decides whether training stalls).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/data/source.hpp"

namespace hycim::data {

struct PendingRead {
  size_t pos;  // position in the consumption sequence
  SampleRef ref;
};

struct ReadRun {
  size_t first_pos;                // the earliest position served by this run
  std::vector<PendingRead> items;  // ascending offset, one unit
  uint64_t begin() const { return items.front().ref.offset; }
  uint64_t end() const;
  // The distinct samples to read (a padded order may repeat one).
  std::vector<SampleRef> refs() const;
};

std::vector<ReadRun> build_runs(std::vector<PendingRead> group, uint64_t max_gap, uint64_t max_run);

}  // namespace hycim::data
