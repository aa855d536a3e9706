// Caching device allocator for the executor, after the pattern of framework
// GPU allocators: sizes rounded to classes, freed blocks cached per class and
// reused in stream order (at once on the stream that freed them, on another
// stream only once the freeing stream's event has completed), cached blocks
// returned to the source only when a new segment would exceed capacity.
// Fragmentation is reported as the share of reserved bytes not holding
// requested bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hycim::memplan {

// Where segments come from: host memory in CI, cudaMalloc on a GPU.
class MemorySource {
 public:
  virtual ~MemorySource() = default;
  virtual std::string name() const = 0;
  virtual void* allocate(std::uint64_t bytes) = 0;  // nullptr when out of memory
  virtual void release(void* p, std::uint64_t bytes) = 0;
};

std::unique_ptr<MemorySource> make_host_source();

struct Block {
  void* ptr = nullptr;
  std::uint64_t size = 0;       // class size (what the block occupies)
  std::uint64_t requested = 0;  // what the caller asked for
  int stream = 0;               // stream that last used it
  bool valid() const { return ptr != nullptr; }
};

struct AllocStats {
  std::uint64_t capacity = 0, reserved = 0, allocated = 0, requested = 0;
  std::uint64_t peak_reserved = 0, peak_requested = 0;
  std::uint64_t hits = 0, misses = 0, flushes = 0, failures = 0;
  double fragmentation() const;  // 1 - requested / reserved (0 when nothing reserved)
};

class CachingAllocator {
 public:
  // `event_done(e)` says whether event `e` (from the executor's backend) has
  // completed; it gates cross-stream reuse.
  CachingAllocator(std::unique_ptr<MemorySource> source, std::uint64_t capacity,
                   std::function<bool(std::uint64_t)> event_done);
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  static std::uint64_t size_class(std::uint64_t bytes);

  // An invalid Block when capacity is exhausted even after flushing the cache.
  Block allocate(std::uint64_t bytes, int stream);
  // The block may be reused after `event` (recorded on `stream` after its last use).
  void free(Block b, int stream, std::uint64_t event);
  // Returns every cached block whose event has completed to the source.
  void flush();
  const AllocStats& stats() const { return stats_; }

 private:
  struct Cached {
    Block block;
    std::uint64_t event;
  };
  bool take_cached(std::uint64_t cls, int stream, Block& out);

  std::unique_ptr<MemorySource> source_;
  std::function<bool(std::uint64_t)> event_done_;
  std::multimap<std::uint64_t, Cached> cache_;  // by class size
  AllocStats stats_;
};

}  // namespace hycim::memplan
