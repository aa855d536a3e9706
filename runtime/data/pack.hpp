// Packs many small sample files into a few large shard files plus an index,
// as a new generation of the dataset directory, switched in atomically: a
// crash or an error at any point leaves the previous generation live and
// intact (see docs/data-cache.md, "Crash safety").
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace hycim::data {

// One sample to pack: where it came from, its class and a way to fetch its bytes.
struct PackItem {
  std::string name;  // kept in the index (relative path for files)
  int32_t label = -1;
  uint64_t size = 0;
  std::function<void(std::span<std::byte>)> read;  // fills exactly `size` bytes
};

struct PackProgress {
  uint64_t samples_done, samples_total, bytes_done, bytes_total;
  uint32_t shards_done;
};

struct PackOptions {
  // Target shard size, rounded up to a multiple of the output file system's
  // I/O unit (st_blksize). Large shards turn per-sample opens into big reads.
  uint64_t shard_bytes = 64ull << 20;
  // Called after each shard is written; may throw to abandon the pack (the
  // live generation is then untouched).
  std::function<void(const PackProgress&)> on_shard;
};

struct PackResult {
  std::filesystem::path generation_dir;
  uint64_t samples = 0, bytes = 0;
  uint32_t shards = 0;
  uint64_t shard_bytes = 0;  // target after rounding to the I/O unit
};

// Lists SRC_DIR recursively: name = relative path, label = the first folder
// under SRC_DIR (ImageFolder layout; -1 for files at the top). Label names are
// sorted, so label numbers do not depend on directory listing order.
std::vector<PackItem> scan_directory(const std::filesystem::path& src,
                                     std::vector<std::string>& label_names);

// Sorts items by size class (power-of-two bucket) then name, assigns ids in
// that order, and writes shards + index as a new generation of out_dir.
PackResult pack_items(std::vector<PackItem> items, const std::vector<std::string>& label_names,
                      const std::filesystem::path& out_dir, const PackOptions& opts = {});

PackResult pack_directory(const std::filesystem::path& src, const std::filesystem::path& out_dir,
                          const PackOptions& opts = {});

// Creates DATASET/gen-N.tmp for a new generation after removing leftovers of
// crashed writers; commit_generation() renames it to gen-N and switches CURRENT.
std::filesystem::path begin_generation(const std::filesystem::path& dataset);
std::filesystem::path commit_generation(const std::filesystem::path& tmp_dir);

}  // namespace hycim::data
