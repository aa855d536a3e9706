// The one interface every backend implements, and the engine's contexts too:
// the control path of one context (buffers, windows, queues, error log,
// usage, reset). The hot path (command rings, doorbells, completions) never goes
// through it: it is shared memory plus eventfds, the same for every backend.
//
//   sim://   SimBackend: calls an in-process Engine context directly;
//   unix://  UnixBackend: sends each call as a message to hycimd, whose
//            server makes the same call on its Engine context.
// Implementations are chosen by URI scheme in backend_registry.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "driver/driver.hpp"

namespace hycim::driver {

// The descriptors of a queue, all created by the client: the ring memory
// (sealed memfd, layout in queue_layout.hpp), the doorbell eventfd (client
// -> device side) and the completion eventfd (device side -> client).
struct QueueFds {
  int ring_memfd = -1;
  int doorbell_fd = -1;
  int completion_fd = -1;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const Capabilities& capabilities() const = 0;
  virtual Status info(DeviceInfo* out) = 0;
  // What this context's commands made the device do (driver.hpp, Usage).
  virtual Status usage(Usage* out) = 0;
  // Registers `bytes` of a sealed memfd (borrowed: the callee dups what it
  // keeps); *iova gets its address in this context.
  virtual Status add_buffer(int memfd, uint64_t bytes, uint64_t* iova) = 0;
  virtual Status remove_buffer(uint64_t iova) = 0;
  virtual Status map_buffer(uint64_t iova, uint32_t access) = 0;
  virtual Status unmap_buffer(uint64_t iova) = 0;
  // Fds are borrowed as for add_buffer.
  virtual Status add_queue(const QueueFds& fds, uint32_t entries, uint32_t* qid) = 0;
  virtual Status remove_queue(uint32_t qid) = 0;
  virtual Status read_error(bool clear, ErrorInfo* out) = 0;
  virtual Status reset(int timeout_ms) = 0;
  // An fd that polls readable or hung up once the backend is gone (the
  // daemon's socket); -1 when it cannot go away (in-process).
  virtual int liveness_fd() const { return -1; }
};

// Opens the backend named by the URI's scheme. Throws DriverError.
std::shared_ptr<Backend> open_backend(std::string_view uri);

}  // namespace hycim::driver
