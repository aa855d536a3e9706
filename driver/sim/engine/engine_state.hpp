// Everything the engine thread owns: the platform, the contexts with their
// buffers and queues, the epoll set of doorbells. Only the engine thread calls
// it (engine.hpp explains the design).
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"
#include "driver/lib/queue_layout.hpp"
#include "driver/sim/engine/address_space.hpp"
#include "driver/sim/engine/platform.hpp"
#include "driver/sim/engine/row_owners.hpp"
#include "driver/sim/engine/sram_shadow.hpp"

namespace hycim::driver {

// IOVA layout of every context: the engine's ring below 4 GiB, buffers from
// kFirstBufferIova up, each followed by an unmapped guard page.
inline constexpr uint64_t kRingIova = 0x10000;
inline constexpr uint64_t kFirstBufferIova = 0x1'0000'0000;
inline constexpr uint64_t kIovaLimit = 1ull << 47;
inline constexpr uint64_t kPage = 4096;
inline constexpr uint64_t kMaxBufferBytes = 1ull << 30;
inline constexpr uint32_t kDeviceRingEntries = 1024;
inline constexpr size_t kMaxBuffersPerContext = 1024;
inline constexpr size_t kMaxQueuesPerContext = 64;

struct EngineBuffer {
  Mapping mem;
  uint32_t access = 0;  // WIN_CTRL bits; 0 = not mapped
};

struct EngineQueue {
  uint32_t ctx = 0, qid = 0, entries = 0;
  Mapping mem;
  QueueView view{};
  uint32_t head = 0;  // entries taken from the client's ring
  UniqueFd doorbell, completion;
  bool pending = false, faulted = false;
};

struct EngineContext {
  std::map<uint64_t, EngineBuffer> buffers;  // by iova
  AddressSpace::Regions mapped;              // what the DMA port shows while active
  uint64_t next_iova = kFirstBufferIova;
  std::map<uint32_t, std::unique_ptr<EngineQueue>> queues;
  uint32_t next_qid = 1;
  ErrorInfo err{};
  Usage usage{};       // every batch of its queues, charged in run_batch
  uint16_t owner = 0;  // RowOwners id of the identity it acts for
};

class EngineState {
 public:
  EngineState(const device::DeviceConfig& config, int control_fd);
  ~EngineState();

  Capabilities capabilities();
  // 0 when the device already has as many owners as it can tell apart.
  uint32_t open_context(const std::string& owner);
  void close_context(uint32_t ctx);
  Status info(uint32_t ctx, DeviceInfo* out);
  Status add_buffer(uint32_t ctx, int memfd, uint64_t bytes, uint64_t* iova);
  Status remove_buffer(uint32_t ctx, uint64_t iova);
  Status map_buffer(uint32_t ctx, uint64_t iova, uint32_t access);
  Status unmap_buffer(uint32_t ctx, uint64_t iova);
  Status add_queue(uint32_t ctx, const QueueFds& fds, uint32_t entries, uint32_t* qid);
  Status remove_queue(uint32_t ctx, uint32_t qid);
  Status read_error(uint32_t ctx, bool clear, ErrorInfo* out);
  Status usage(uint32_t ctx, Usage* out);
  Status tile_health(uint32_t tile, TileHealth* out);
  Status reset(uint32_t ctx);
  Status row_access(uint32_t ctx, uint32_t tile, uint32_t first_row, uint32_t count,
                    RowAccess* out);
  Status set_rows(uint32_t ctx, uint32_t tile, uint32_t row, uint32_t count, RowsOp op);

  // Waits for doorbells (and the control fd) up to timeout_ms, then serves
  // one batch of every queue with commands waiting. True if the control fd
  // fired.
  bool wait_and_serve(int timeout_ms);

 private:
  EngineContext* context(uint32_t ctx);
  void setup_rings();
  void activate(uint32_t ctx);
  void serve(EngineQueue& q);
  void run_batch(EngineQueue& q, uint32_t n);
  void fold_errors(EngineContext& c);
  // Copies a batch's records into the device ring, each one a NOP when the
  // context's owner may not touch its rows (listed in *refused: ROW_DENIED),
  // or when the rows it claimed could not be stored (NVM_IO); swaps in the
  // owner's SRAM rows the others touch.
  struct Refused {
    uint32_t index;  // in the batch
    uint8_t opcode;  // the command's, for its completion
    uint16_t status;
    uint64_t addr;  // ERR_ADDR: tile << 32 | row
  };
  void stage_batch(EngineQueue& q, uint32_t n, std::vector<Refused>* refused);
  void fault(EngineQueue& q);
  void drain(uint32_t ctx);
  void drop_queue(EngineQueue& q);

  device::DeviceConfig config_;
  AddressSpace space_;
  std::vector<uint8_t> ring_;  // device command ring + completion ring
  uint8_t* ring_base_ = nullptr;
  std::unique_ptr<Platform> platform_;
  std::unique_ptr<RowOwners> owners_;
  std::unique_ptr<SramShadow> sram_;
  UniqueFd epoll_;
  int control_fd_;
  std::map<uint32_t, EngineContext> contexts_;
  uint32_t next_ctx_ = 1;
  uint32_t active_ = 0;    // context whose windows the device holds; 0: none
  uint32_t dev_tail_ = 0;  // device ring producer index
  uint64_t commands_ = 0;
  std::deque<EngineQueue*> ready_;
  // How long the engine polls without sleeping after a doorbell or control
  // request (wait_and_serve).
  static constexpr std::chrono::microseconds kSpin{50};
  std::chrono::steady_clock::time_point last_activity_{};
};

}  // namespace hycim::driver
