// The memory of one queue, shared by the client that creates it and the
// engine that serves it (in the same process or in hycimd):
//
//   QueueHeader (448 B) | CommandRecord sq[entries] | CompletionRecord cq[entries]
//
// Indices are free-running u32 counters; slot = index & (entries - 1). The
// client fills sq[tail..] and publishes sq_tail (release), then signals the
// doorbell eventfd. The engine copies records out before checking them (a
// hostile client may rewrite them at any time), writes the completion of
// entry i to cq[i], publishes cq_tail (release) and signals the completion
// eventfd. A client never has more than `entries` commands outstanding; an
// sq_tail that claims more is a protocol fault: the engine sets `fault` and
// stops serving the queue.
//
// Before it publishes a batch's completions the engine also writes the
// context's usage counters into the header (UsageSnapshot), so a client that
// wants them after its batch reads memory instead of asking the device: the
// request it saves is a round trip to the engine thread or the daemon per
// batch, a third of the time of a small model's inference.
#pragma once
#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "driver/hycim_driver.h"
#include "hycim/spec/device_spec.hpp"

namespace hycim::driver {

// hycim_usage as whole 8-byte words under a sequence lock: `seq` is odd
// while the engine writes, even once it is done, 0 before the first batch.
// The words are atomics (relaxed) so a reader racing the writer is no data
// race; the sequence tells it to read again.
struct UsageSnapshot {
  static constexpr size_t kWords = sizeof(hycim_usage) / 8;
  std::atomic<uint64_t> seq;
  std::atomic<uint64_t> words[kWords];
};
static_assert(sizeof(hycim_usage) % 8 == 0 && std::is_trivially_copyable_v<hycim_usage>,
              "hycim_usage travels as whole words");

struct QueueHeader {
  alignas(64) std::atomic<uint32_t> sq_tail;  // written by the client
  alignas(64) std::atomic<uint32_t> sq_head;  // written by the engine: entries taken
  alignas(64) std::atomic<uint32_t> cq_tail;  // written by the engine: completions written
  alignas(64) std::atomic<uint32_t> fault;    // written by the engine: nonzero = queue stopped
  alignas(64) UsageSnapshot usage;            // written by the engine, before cq_tail
};
static_assert(sizeof(QueueHeader) == 448);
static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared between processes");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared between processes");

// The engine's side: one writer per queue (the engine thread).
inline void write_usage(UsageSnapshot& s, const hycim_usage& u) {
  const auto words = std::bit_cast<std::array<uint64_t, UsageSnapshot::kWords>>(u);
  const uint64_t seq = s.seq.load(std::memory_order_relaxed);
  s.seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (size_t i = 0; i < words.size(); ++i) s.words[i].store(words[i], std::memory_order_relaxed);
  s.seq.store(seq + 2, std::memory_order_release);
}

// The client's side. False before the engine's first write, or when the
// writer stays in the middle of one (an engine that died there): the caller
// then asks the device.
inline bool read_usage(const UsageSnapshot& s, hycim_usage* out) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const uint64_t before = s.seq.load(std::memory_order_acquire);
    if (before == 0) return false;
    if (before & 1) continue;
    std::array<uint64_t, UsageSnapshot::kWords> words;
    for (size_t i = 0; i < words.size(); ++i) words[i] = s.words[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.seq.load(std::memory_order_relaxed) != before) continue;
    *out = std::bit_cast<hycim_usage>(words);
    return true;
  }
  return false;
}

inline constexpr uint32_t kMinQueueEntries = 2;

inline bool valid_queue_entries(uint32_t n) {
  return n >= kMinQueueEntries && n <= spec::device::kMaxQueueEntries && (n & (n - 1)) == 0;
}

inline size_t queue_bytes(uint32_t entries) {
  return sizeof(QueueHeader) + size_t{entries} * sizeof(spec::device::CommandRecord) +
         size_t{entries} * sizeof(spec::device::CompletionRecord);
}

// Typed views into a mapped queue.
struct QueueView {
  QueueHeader* header;
  spec::device::CommandRecord* sq;
  spec::device::CompletionRecord* cq;
  uint32_t mask;

  static QueueView of(uint8_t* base, uint32_t entries) {
    auto* sq = reinterpret_cast<spec::device::CommandRecord*>(base + sizeof(QueueHeader));
    auto* cq = reinterpret_cast<spec::device::CompletionRecord*>(sq + entries);
    return {reinterpret_cast<QueueHeader*>(base), sq, cq, entries - 1};
  }
};

}  // namespace hycim::driver
