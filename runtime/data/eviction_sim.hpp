// Replays an access sequence (several epochs' orders back to back) against a
// byte-bounded cache to compare eviction policies: the clairvoyant one the
// known future orders allow (evict the entry whose next use is farthest,
// Belady; an entry used later than everything cached is not admitted) and
// LRU, which is what an order-oblivious cache does.
#pragma once
#include <cstdint>
#include <span>

namespace hycim::data {

enum class EvictionPolicy { clairvoyant, lru };

struct HitCount {
  uint64_t accesses = 0, hits = 0;
  double rate() const { return accesses ? double(hits) / double(accesses) : 0.0; }
};

// sizes: bytes per sample id. Only accesses at positions >= count_from are
// counted (skip the cold first epoch to measure the steady state).
HitCount simulate_cache(std::span<const uint32_t> accesses, std::span<const uint32_t> sizes,
                        uint64_t capacity_bytes, EvictionPolicy policy, uint64_t count_from = 0);

}  // namespace hycim::data
