// Queue: the client half of the shared ring (queue_layout.hpp), the same for
// every backend. Submitting and polling are plain memory operations plus one
// eventfd write; waiting blocks in poll() on the completion eventfd and the
// backend's liveness fd, so a dead daemon ends the wait at once.
#include <poll.h>

#include <algorithm>
#include <cstring>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"
#include "driver/lib/queue_layout.hpp"

namespace hycim::driver {

struct Queue::Impl {
  std::shared_ptr<Backend> backend;
  uint32_t qid = 0;
  uint32_t entries = 0;
  Mapping mem;
  QueueView view{};
  UniqueFd memfd, doorbell, completion;
  uint32_t tail = 0;     // next entry we fill
  uint32_t cq_head = 0;  // next completion we return

  Status faulted() const {
    return view.header->fault.load(std::memory_order_acquire) != 0 ? Status::kFaulted : Status::kOk;
  }
};

Queue::Queue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Queue::~Queue() {
  impl_->backend->remove_queue(impl_->qid);
}

uint32_t Queue::entries() const {
  return impl_->entries;
}

uint32_t Queue::outstanding() const {
  return impl_->tail - impl_->cq_head;
}

std::unique_ptr<Queue> Device::create_queue(uint32_t entries) {
  if (!valid_queue_entries(entries))
    throw DriverError(Status::kInvalid, "queue entries " + std::to_string(entries) +
                                            ": need a power of two in 2.." +
                                            std::to_string(spec::device::kMaxQueueEntries));
  auto impl = std::make_unique<Queue::Impl>();
  impl->backend = backend_;
  impl->entries = entries;
  impl->memfd = make_sealed_memfd("hycim-queue", queue_bytes(entries));
  if (Mapping::map(impl->memfd.get(), queue_bytes(entries), &impl->mem) != Status::kOk)
    throw DriverError(Status::kIo, "cannot map a queue ring");
  impl->view = QueueView::of(impl->mem.data(), entries);
  impl->doorbell = make_eventfd();
  impl->completion = make_eventfd();
  const QueueFds fds{impl->memfd.get(), impl->doorbell.get(), impl->completion.get()};
  const Status st = backend_->add_queue(fds, entries, &impl->qid);
  if (st != Status::kOk)
    throw DriverError(st, std::string("the device refused a queue: ") + to_string(st));
  return std::unique_ptr<Queue>(new Queue(std::move(impl)));
}

Status Queue::submit(std::span<const CommandRecord> cmds, size_t* accepted) {
  Impl& q = *impl_;
  if (accepted) *accepted = 0;
  if (Status st = q.faulted(); st != Status::kOk) return st;
  const size_t room = q.entries - (q.tail - q.cq_head);
  const size_t n = std::min(room, cmds.size());
  for (size_t i = 0; i < n; ++i) q.view.sq[(q.tail + i) & q.view.mask] = cmds[i];
  if (n > 0) {
    q.tail += static_cast<uint32_t>(n);
    q.view.header->sq_tail.store(q.tail, std::memory_order_release);
    signal_eventfd(q.doorbell.get());
  }
  if (accepted) *accepted = n;
  return n == cmds.size() ? Status::kOk : Status::kNoSpace;
}

bool Queue::last_usage(Usage* out) const {
  return read_usage(impl_->view.header->usage, out);
}

Status Queue::poll(std::span<CompletionRecord> out, size_t* n) {
  Impl& q = *impl_;
  *n = 0;
  const uint32_t ready = q.view.header->cq_tail.load(std::memory_order_acquire) - q.cq_head;
  // A completion index beyond what we submitted cannot come from a sane engine.
  if (ready > q.tail - q.cq_head) return Status::kProtocol;
  const size_t take = std::min<size_t>(ready, out.size());
  for (size_t i = 0; i < take; ++i) out[i] = q.view.cq[(q.cq_head + i) & q.view.mask];
  q.cq_head += static_cast<uint32_t>(take);
  *n = take;
  return take > 0 ? Status::kOk : q.faulted();
}

Status Queue::wait(std::span<CompletionRecord> out, size_t min, std::chrono::milliseconds timeout,
                   size_t* n) {
  Impl& q = *impl_;
  *n = 0;
  if (min > out.size()) return Status::kInvalid;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    size_t got = 0;
    const Status st = poll(out.subspan(*n), &got);
    *n += got;
    if (st != Status::kOk) return st;
    if (*n >= min) return Status::kOk;
    int wait_ms = -1;
    if (timeout.count() >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Status::kTimeout;
      wait_ms = static_cast<int>(std::min<int64_t>(left.count() + 1, INT32_MAX));
    }
    pollfd fds[2] = {{q.completion.get(), POLLIN, 0}, {q.backend->liveness_fd(), POLLRDHUP, 0}};
    const int r = ::poll(fds, fds[1].fd >= 0 ? 2 : 1, wait_ms);
    if (r > 0 && fds[0].revents) drain_eventfd(q.completion.get());
    if (r > 0 && fds[1].revents) {
      // Take what arrived before the daemon went away, then say it is gone.
      poll(out.subspan(*n), &got);
      *n += got;
      return *n >= min ? Status::kOk : Status::kDisconnected;
    }
  }
}

}  // namespace hycim::driver
