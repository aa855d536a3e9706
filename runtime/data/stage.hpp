// Copies a packed dataset's live generation from a shared store to
// node-local storage at job start: the files are cut into large chunks read
// and written by several threads at once (a parallel file system serves
// concurrent large reads far better than one stream), every sample's checksum
// is checked on the way, and the copy is switched in atomically like a pack.
#pragma once
#include <cstdint>
#include <filesystem>

namespace hycim::data {

struct StageOptions {
  unsigned threads = 4;
  uint64_t chunk_bytes = 16ull << 20;
};

struct StageResult {
  uint64_t bytes = 0;
  uint32_t files = 0;
  double seconds = 0;
  double bytes_per_s() const { return seconds > 0 ? double(bytes) / seconds : 0.0; }
};

// Throws DataError naming the file (and sample, for a bad shard) when the
// source is damaged; the destination's live generation is then untouched.
StageResult stage_dataset(const std::filesystem::path& src, const std::filesystem::path& dst,
                          const StageOptions& opts = {});

}  // namespace hycim::data
