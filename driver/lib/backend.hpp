// The one interface every backend implements, and the engine's contexts too:
// the control path of one context (buffers, windows, queues, error log,
// usage, tile health, reset). The hot path (command rings, doorbells, completions) never goes
// through it: it is shared memory plus eventfds, the same for every backend.
//
//   sim://   SimBackend: calls an in-process Engine context directly;
//   unix://  UnixBackend: sends each call as a message to hycimd, whose
//            server makes the same call on its Engine context.
// Implementations are chosen by URI scheme in backend_registry.cpp: unix://
// is built in; sim:// lives in its own library (driver/sim, which links the
// simulator) and registers itself, or is loaded from libhycim_sim.so on the
// first sim:// open by a program that did not link it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "driver/driver.hpp"
#include "driver/lib/uri.hpp"

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
  // One tile's NVM health counters, device-wide (driver.hpp, TileHealth);
  // kInvalid for a tile the device does not have.
  virtual Status tile_health(uint32_t tile, TileHealth* out) = 0;
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
  // Row ownership (driver.hpp, Device::row_access/release_rows/share_rows).
  // owner(): the identity the device gave this context.
  virtual const std::string& owner() const = 0;
  // count <= kRowAccessChunk.
  virtual Status row_access(uint32_t tile, uint32_t first_row, uint32_t count, RowAccess* out) = 0;
  virtual Status set_rows(uint32_t tile, uint32_t row, uint32_t count, RowsOp op) = 0;
  // An fd that polls readable or hung up once the backend is gone (the
  // daemon's socket); -1 when it cannot go away (in-process).
  virtual int liveness_fd() const { return -1; }
};

// Opens the backend named by the URI's scheme. Throws DriverError.
std::shared_ptr<Backend> open_backend(std::string_view uri);

// Makes `scheme` open with `open` (which throws DriverError naming the
// problem). Called by a backend library's static registrar.
using BackendOpener = std::shared_ptr<Backend> (*)(const Uri& uri);
void register_backend(const std::string& scheme, BackendOpener open);

// The sim:// plugin's one entry point (libhycim_sim.so exports it with C
// linkage): a new backend for `uri`, or null with *status and `message`
// (NUL-terminated, at most `len` bytes) set. No exception crosses it.
using SimPluginOpen = Backend* (*)(const char* uri, Status* status, char* message, size_t len);
inline constexpr const char* kSimPluginLibrary = "libhycim_sim.so";
inline constexpr const char* kSimPluginSymbol = "hycim_sim_plugin_open";

}  // namespace hycim::driver
