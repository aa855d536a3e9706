#include "runtime/memplan/allocator.hpp"

#include <algorithm>
#include <cstdlib>

namespace hycim::memplan {

namespace {

class HostSource final : public MemorySource {
 public:
  std::string name() const override { return "host"; }
  void* allocate(std::uint64_t bytes) override { return std::aligned_alloc(512, bytes); }
  void release(void* p, std::uint64_t) override { std::free(p); }
};

constexpr std::uint64_t kSmall = 512;         // granule below 1 MiB
constexpr std::uint64_t kLarge = 128 * 1024;  // granule above
constexpr std::uint64_t kSmallLimit = 1 << 20;

std::uint64_t round_up(std::uint64_t x, std::uint64_t m) {
  return (x + m - 1) / m * m;
}

}  // namespace

std::unique_ptr<MemorySource> make_host_source() {
  return std::make_unique<HostSource>();
}

double AllocStats::fragmentation() const {
  return reserved ? 1.0 - static_cast<double>(requested) / static_cast<double>(reserved) : 0.0;
}

CachingAllocator::CachingAllocator(std::unique_ptr<MemorySource> source, std::uint64_t capacity,
                                   std::function<bool(std::uint64_t)> event_done)
    : source_(std::move(source)), event_done_(std::move(event_done)) {
  stats_.capacity = capacity;
}

CachingAllocator::~CachingAllocator() {
  for (auto& [cls, c] : cache_) source_->release(c.block.ptr, cls);
}

std::uint64_t CachingAllocator::size_class(std::uint64_t bytes) {
  if (bytes == 0) bytes = 1;
  return bytes <= kSmallLimit ? round_up(bytes, kSmall) : round_up(bytes, kLarge);
}

// Same class only: a larger cached block would hide its excess from the stats
// and from the planner, which counts requested bytes.
bool CachingAllocator::take_cached(std::uint64_t cls, int stream, Block& out) {
  auto [lo, hi] = cache_.equal_range(cls);
  for (auto it = lo; it != hi; ++it) {
    const bool same_stream = it->second.block.stream == stream;
    if (same_stream || event_done_(it->second.event)) {
      out = it->second.block;
      cache_.erase(it);
      return true;
    }
  }
  return false;
}

Block CachingAllocator::allocate(std::uint64_t bytes, int stream) {
  const std::uint64_t cls = size_class(bytes);
  Block b;
  if (take_cached(cls, stream, b)) {
    ++stats_.hits;
  } else {
    ++stats_.misses;
    if (stats_.reserved + cls > stats_.capacity) flush();
    if (stats_.reserved + cls > stats_.capacity) {
      ++stats_.failures;
      return {};
    }
    b.ptr = source_->allocate(cls);
    if (!b.ptr) {
      ++stats_.failures;
      return {};
    }
    b.size = cls;
    stats_.reserved += cls;
  }
  b.requested = bytes;
  b.stream = stream;
  stats_.allocated += cls;
  stats_.requested += bytes;
  stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
  stats_.peak_requested = std::max(stats_.peak_requested, stats_.requested);
  return b;
}

void CachingAllocator::free(Block b, int stream, std::uint64_t event) {
  stats_.allocated -= b.size;
  stats_.requested -= b.requested;
  b.stream = stream;
  cache_.emplace(b.size, Cached{b, event});
}

void CachingAllocator::flush() {
  ++stats_.flushes;
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (!event_done_(it->second.event)) {
      ++it;
      continue;
    }
    source_->release(it->second.block.ptr, it->first);
    stats_.reserved -= it->first;
    it = cache_.erase(it);
  }
}

}  // namespace hycim::memplan
