// The memory of one queue, shared by the client that creates it and the
// engine that serves it (in the same process or in hycimd):
//
//   QueueHeader (256 B) | CommandRecord sq[entries] | CompletionRecord cq[entries]
//
// Indices are free-running u32 counters; slot = index & (entries - 1). The
// client fills sq[tail..] and publishes sq_tail (release), then signals the
// doorbell eventfd. The engine copies records out before checking them (a
// hostile client may rewrite them at any time), writes the completion of
// entry i to cq[i], publishes cq_tail (release) and signals the completion
// eventfd. A client never has more than `entries` commands outstanding; an
// sq_tail that claims more is a protocol fault: the engine sets `fault` and
// stops serving the queue.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hycim/spec/device_spec.hpp"

namespace hycim::driver {

struct QueueHeader {
  alignas(64) std::atomic<uint32_t> sq_tail;  // written by the client
  alignas(64) std::atomic<uint32_t> sq_head;  // written by the engine: entries taken
  alignas(64) std::atomic<uint32_t> cq_tail;  // written by the engine: completions written
  alignas(64) std::atomic<uint32_t> fault;    // written by the engine: nonzero = queue stopped
};
static_assert(sizeof(QueueHeader) == 256);
static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared between processes");

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
