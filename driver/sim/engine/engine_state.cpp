// The engine thread's control operations: contexts, buffers, windows,
// queues, error logs, usage, info. Batches and the device side: engine_serve.cpp.
#include "driver/sim/engine/engine_state.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace hycim::driver {

namespace sd = spec::device;

EngineState::EngineState(const device::DeviceConfig& config, int control_fd)
    : config_(config),
      ring_(kDeviceRingEntries * (sizeof(sd::CommandRecord) + sizeof(sd::CompletionRecord)) + 64),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      control_fd_(control_fd) {
  // The device wants the ring 64-byte aligned.
  const auto addr = reinterpret_cast<uintptr_t>(ring_.data());
  ring_base_ = ring_.data() + ((64 - addr % 64) % 64);
  space_.set_ring({kRingIova, ring_.size() - 64, ring_base_});
  platform_ = Platform::make(config_, space_);
  const spec::TileConfig& tile = platform_->tile(0).config();
  owners_ = std::make_unique<RowOwners>(
      tile, config_.tiles,
      config_.nvm_image.empty() ? std::filesystem::path{} : row_owners_path_for(config_.nvm_image));
  sram_ = std::make_unique<SramShadow>(config_.tiles, tile.nvm_rows, tile.sram_rows);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, control_fd_, &ev);
  setup_rings();
}

EngineState::~EngineState() = default;

Capabilities EngineState::capabilities() {
  Platform& p = *platform_;
  Capabilities c{};
  c.id = p.read(sd::reg::kId);
  c.version = p.read(sd::reg::kVersion);
  c.tiles = p.read(sd::reg::kCapTiles);
  c.nvm_rows = p.read(sd::reg::kCapNvmRows);
  c.sram_rows = p.read(sd::reg::kCapSramRows);
  c.lanes = p.read(sd::reg::kCapLanes);
  const auto w = sd::fields::CapWidths::unpack(p.read(sd::reg::kCapWidths));
  c.wbits = w.wbits;
  c.xbits = w.xbits;
  c.acc_bits = w.acc_bits;
  c.rows_per_cycle = p.read(sd::reg::kCapRowsPerCycle);
  // The last window is the engine's, for the ring.
  c.dma_windows = p.read(sd::reg::kCapDmaWindows) - 1;
  c.flags = p.read(sd::reg::kCapFlags);
  c.max_queue_entries = sd::kMaxQueueEntries;
  return c;
}

uint32_t EngineState::open_context(const std::string& owner) {
  const std::optional<uint16_t> who = owners_->intern(owner);
  if (!who) return 0;
  const uint32_t id = next_ctx_++;
  contexts_[id].owner = *who;
  return id;
}

EngineContext* EngineState::context(uint32_t ctx) {
  auto it = contexts_.find(ctx);
  return it == contexts_.end() ? nullptr : &it->second;
}

void EngineState::close_context(uint32_t ctx) {
  EngineContext* c = context(ctx);
  if (!c) return;
  for (auto& [qid, q] : c->queues) drop_queue(*q);
  if (active_ == ctx) {
    active_ = 0;
    space_.set_active(nullptr);
  }
  const uint16_t owner = c->owner;
  contexts_.erase(ctx);
  // Its owner's SRAM contents go with the owner's last context, as a
  // process's memory goes with it; its NVM rows stay its owner's.
  if (std::none_of(contexts_.begin(), contexts_.end(),
                   [&](const auto& kv) { return kv.second.owner == owner; }))
    sram_->forget(*platform_, owner);
}

Status EngineState::info(uint32_t ctx, DeviceInfo* out) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  out->owner = owners_->name(c->owner);
  out->nvm_rows_owned = owners_->rows_owned(c->owner);
  out->tile_config = config_.tile_config;
  out->tile_kind = device::to_string(config_.tile_kind);
  out->nvm_image = config_.nvm_image.string();
  out->contexts = static_cast<uint32_t>(contexts_.size());
  out->commands = commands_;
  out->faults.reset();
  if (const auto& f = platform_->device_config().faults)
    out->faults =
        DeviceInfo::Faults{f->setup.model.name, f->setup.seed,     nvm::to_string(f->setup.ecc),
                           f->temp_c,           f->verify_retries, f->setup.spare_rows};
  out->nvm_rows_programmed = out->nvm_max_wear = 0;
  for (uint32_t t = 0; t < config_.tiles; ++t)
    for (uint32_t r = 0; r < platform_->tile(t).config().nvm_rows; ++r) {
      const uint32_t wear = platform_->tile(t).peek_wear(r);
      out->nvm_rows_programmed += wear > 0;
      out->nvm_max_wear = std::max(out->nvm_max_wear, wear);
    }
  return Status::kOk;
}

Status EngineState::add_buffer(uint32_t ctx, int memfd, uint64_t bytes, uint64_t* iova) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  std::string why;
  if (bytes == 0 || bytes > kMaxBufferBytes) return Status::kInvalid;
  if (check_sealed_memfd(memfd, bytes, &why) != Status::kOk) return Status::kInvalid;
  if (c->buffers.size() >= kMaxBuffersPerContext) return Status::kNoSpace;
  const uint64_t span = (bytes + kPage - 1) / kPage * kPage + kPage;
  if (c->next_iova + span > kIovaLimit) return Status::kNoSpace;
  EngineBuffer b;
  if (Mapping::map(memfd, bytes, &b.mem) != Status::kOk) return Status::kIo;
  *iova = c->next_iova;
  c->next_iova += span;
  c->buffers.emplace(*iova, std::move(b));
  return Status::kOk;
}

Status EngineState::remove_buffer(uint32_t ctx, uint64_t iova) {
  EngineContext* c = context(ctx);
  if (!c || !c->buffers.count(iova)) return Status::kNotFound;
  unmap_buffer(ctx, iova);
  c->buffers.erase(iova);
  return Status::kOk;
}

Status EngineState::map_buffer(uint32_t ctx, uint64_t iova, uint32_t access) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  auto it = c->buffers.find(iova);
  if (it == c->buffers.end()) return Status::kNotFound;
  if (access == 0 || (access & ~sd::win_ctrl::kAll) != 0) return Status::kInvalid;
  if (it->second.access == 0 && c->mapped.size() >= capabilities().dma_windows)
    return Status::kNoSpace;
  it->second.access = access;
  c->mapped[iova] = {iova, it->second.mem.size(), it->second.mem.data()};
  if (active_ == ctx) active_ = 0;  // reprogram the windows before its next batch
  return Status::kOk;
}

Status EngineState::unmap_buffer(uint32_t ctx, uint64_t iova) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  auto it = c->buffers.find(iova);
  if (it == c->buffers.end() || it->second.access == 0) return Status::kNotFound;
  it->second.access = 0;
  c->mapped.erase(iova);
  if (active_ == ctx) active_ = 0;
  return Status::kOk;
}

Status EngineState::add_queue(uint32_t ctx, const QueueFds& fds, uint32_t entries, uint32_t* qid) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  std::string why;
  if (!valid_queue_entries(entries) ||
      check_sealed_memfd(fds.ring_memfd, queue_bytes(entries), &why) != Status::kOk ||
      check_eventfd(fds.doorbell_fd) != Status::kOk ||
      check_eventfd(fds.completion_fd) != Status::kOk)
    return Status::kInvalid;
  if (c->queues.size() >= kMaxQueuesPerContext) return Status::kNoSpace;
  auto q = std::make_unique<EngineQueue>();
  if (Mapping::map(fds.ring_memfd, queue_bytes(entries), &q->mem) != Status::kOk)
    return Status::kIo;
  q->doorbell = dup_fd(fds.doorbell_fd);
  q->completion = dup_fd(fds.completion_fd);
  if (!q->doorbell || !q->completion) return Status::kIo;
  q->ctx = ctx;
  q->qid = c->next_qid++;
  q->entries = entries;
  q->view = QueueView::of(q->mem.data(), entries);
  // Start from where the client's ring is (it may be reused after a fault).
  q->head = q->view.header->sq_head.load(std::memory_order_acquire);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = q.get();
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, q->doorbell.get(), &ev) != 0) return Status::kIo;
  *qid = q->qid;
  EngineQueue* raw = q.get();
  c->queues.emplace(*qid, std::move(q));
  // Commands written before the queue was registered still get served.
  raw->pending = true;
  ready_.push_back(raw);
  return Status::kOk;
}

void EngineState::drop_queue(EngineQueue& q) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, q.doorbell.get(), nullptr);
  ready_.erase(std::remove(ready_.begin(), ready_.end(), &q), ready_.end());
}

Status EngineState::remove_queue(uint32_t ctx, uint32_t qid) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  auto it = c->queues.find(qid);
  if (it == c->queues.end()) return Status::kNotFound;
  drop_queue(*it->second);
  c->queues.erase(it);
  return Status::kOk;
}

Status EngineState::read_error(uint32_t ctx, bool clear, ErrorInfo* out) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  *out = c->err;
  if (clear) c->err = {};
  return Status::kOk;
}

Status EngineState::usage(uint32_t ctx, Usage* out) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  *out = c->usage;
  out->energy_total_pj = usage_energy_total(*out);
  out->device_time_ns = platform_->now_ns();
  return Status::kOk;
}

// The device's own per-tile counters: every context's commands on the tile;
// and the spare rows the tile has used in its lifetime, which its NVM image
// keeps across restarts.
Status EngineState::tile_health(uint32_t tile, TileHealth* out) {
  if (tile >= config_.tiles) return Status::kInvalid;
  const device::EccCounts& e = platform_->stats().tile(tile).work.ecc;
  *out = {e.corrected, e.uncorrectable, e.retries,
          e.scrubbed,  e.remapped,      platform_->spares_used(tile)};
  return Status::kOk;
}

Status EngineState::row_access(uint32_t ctx, uint32_t tile, uint32_t first_row, uint32_t count,
                               RowAccess* out) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  const uint32_t nvm_rows = platform_->tile(0).config().nvm_rows;
  if (tile >= config_.tiles || count == 0 || count > kRowAccessChunk ||
      uint64_t{first_row} + count > nvm_rows)
    return Status::kInvalid;
  for (uint32_t i = 0; i < count; ++i) out[i] = owners_->access(tile, first_row + i, c->owner);
  return Status::kOk;
}

Status EngineState::set_rows(uint32_t ctx, uint32_t tile, uint32_t row, uint32_t count, RowsOp op) {
  EngineContext* c = context(ctx);
  if (!c) return Status::kNotFound;
  const Status st = owners_->set_rows(tile, row, count, op, c->owner);
  if (st != Status::kOk) return st;
  try {
    owners_->save_if_changed();
  } catch (const std::exception&) {
    return Status::kIo;  // kept in memory; the next change stores it again
  }
  return Status::kOk;
}

}  // namespace hycim::driver
