// The engine thread's device side: programming the ring and windows, taking
// batches from client queues, running them, returning completions, charging
// their work to the context's usage, folding the device's error log into the
// context's, and reset.
#include <sys/epoll.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "driver/sim/engine/engine_state.hpp"
#include "sim/device/host_programming.hpp"

namespace hycim::driver {

namespace sd = spec::device;

namespace {

constexpr size_t kCqOffset = kDeviceRingEntries * sizeof(sd::CommandRecord);

// Adds one batch's device work (and its n completions) to a context's usage.
void charge(Usage& u, const device::Work& w, uint32_t n) {
  u.commands += n;
  u.tile_cycles += w.cycles;
  u.macs += w.macs;
  u.row_activations += w.row_activations;
  u.nvm_programs += w.nvm_programs;
  u.dma_bytes += w.dma_bytes;
  u.energy_array_pj += w.energy_pj.array;
  u.energy_shift_add_pj += w.energy_pj.shift_add;
  u.energy_sram_pj += w.energy_pj.sram;
  u.energy_nvm_program_pj += w.energy_pj.nvm_program;
  u.energy_dma_pj += w.energy_pj.dma;
  u.energy_ecc_pj += w.energy_pj.ecc;
  u.ecc_corrected += w.ecc.corrected;
  u.ecc_uncorrectable += w.ecc.uncorrectable;
  u.nvm_program_retries += w.ecc.retries;
  u.nvm_scrubbed_rows += w.ecc.scrubbed;
  u.nvm_remapped_rows += w.ecc.remapped;
}

}  // namespace

// Rings at kRingIova, the last window over them; called at start and after
// every reset (which returns the registers to their power-on values).
void EngineState::setup_rings() {
  Platform& p = *platform_;
  device::program_rings(p, kRingIova, kRingIova + kCqOffset, kDeviceRingEntries);
  const uint32_t last = p.read(sd::reg::kCapDmaWindows) - 1;
  device::program_window(p, last, kRingIova, ring_.size() - 64, sd::win_ctrl::kAll);
  dev_tail_ = 0;
  active_ = 0;
  space_.set_active(nullptr);
}

// Gives the device the windows of `ctx` (its mapped buffers, in IOVA order)
// and shows the DMA port only that context's memory.
void EngineState::activate(uint32_t ctx) {
  EngineContext& c = contexts_.at(ctx);
  space_.set_active(&c.mapped);
  if (active_ == ctx) return;
  Platform& p = *platform_;
  const uint32_t windows = p.read(sd::reg::kCapDmaWindows) - 1;
  auto it = c.mapped.begin();
  for (uint32_t w = 0; w < windows; ++w) {
    if (it == c.mapped.end()) {
      device::program_window(p, w, 0, 0, 0);
      continue;
    }
    device::program_window(p, w, it->first, it->second.size, c.buffers.at(it->first).access);
    ++it;
  }
  active_ = ctx;
}

bool EngineState::wait_and_serve(int timeout_ms) {
  epoll_event events[32];
  int n = 0;
  if (!ready_.empty()) {
    n = ::epoll_wait(epoll_.get(), events, 32, 0);
  } else {
    // Hybrid polling: for kSpin after the last activity, look for doorbells
    // and control requests without sleeping. A host streaming commands (a
    // layer, then the usage query, then the next layer) finds the engine
    // awake instead of paying a sleeping thread's wake-up each time; an idle
    // device sleeps as before.
    while ((n = ::epoll_wait(epoll_.get(), events, 32, 0)) == 0 &&
           std::chrono::steady_clock::now() - last_activity_ < kSpin)
      __builtin_ia32_pause();
    if (n == 0) n = ::epoll_wait(epoll_.get(), events, 32, timeout_ms);
  }
  if (n > 0) last_activity_ = std::chrono::steady_clock::now();
  bool control = false;
  for (int i = 0; i < n; ++i) {
    auto* q = static_cast<EngineQueue*>(events[i].data.ptr);
    if (q == nullptr) {
      control = true;
      continue;
    }
    drain_eventfd(q->doorbell.get());
    if (!q->pending && !q->faulted) {
      q->pending = true;
      ready_.push_back(q);
    }
  }
  // One batch per ready queue per round, so no queue starves the others.
  for (size_t i = ready_.size(); i > 0 && !ready_.empty(); --i) {
    EngineQueue* q = ready_.front();
    ready_.pop_front();
    serve(*q);
    if (q->pending) ready_.push_back(q);
  }
  return control;
}

void EngineState::serve(EngineQueue& q) {
  const uint32_t tail = q.view.header->sq_tail.load(std::memory_order_acquire);
  const uint32_t avail = tail - q.head;
  if (avail > q.entries) return fault(q);
  if (avail == 0) {
    q.pending = false;
    return;
  }
  run_batch(q, std::min(avail, kDeviceRingEntries - 1));
  q.pending = true;  // look again next round: the client may have added more
}

void EngineState::stage_batch(EngineQueue& q, uint32_t n, std::vector<Refused>* refused) {
  const uint16_t who = contexts_.at(q.ctx).owner;
  uint8_t* sq = ring_base_;
  uint8_t* cq = ring_base_ + kCqOffset;
  std::vector<std::pair<uint32_t, uint32_t>> sram;
  std::vector<std::pair<uint32_t, uint32_t>> claimers;  // (index, ring slot)
  // In place of a refused command a NOP keeps the batch's order; its
  // completion gets the refusal in run_batch.
  auto refuse = [&](uint32_t index, uint32_t slot, uint16_t status, uint64_t addr) {
    sd::CommandRecord nop{};
    uint8_t* at = sq + slot * sizeof(sd::CommandRecord);
    std::memcpy(&nop.seq, at + offsetof(sd::CommandRecord, seq), sizeof nop.seq);
    refused->push_back({index, at[offsetof(sd::CommandRecord, opcode)], status, addr});
    std::memcpy(at, &nop, sizeof nop);
  };
  for (uint32_t i = 0; i < n; ++i) {
    // Copied once: the device sees exactly what the client wrote at this moment.
    const uint32_t slot = dev_tail_;
    sd::CommandRecord rec;
    std::memcpy(&rec, &q.view.sq[(q.head + i) & q.view.mask], sizeof rec);
    std::memcpy(sq + slot * sizeof rec, &rec, sizeof rec);
    std::memset(cq + slot * sizeof(sd::CompletionRecord), 0, sizeof(sd::CompletionRecord));
    dev_tail_ = (dev_tail_ + 1) % kDeviceRingEntries;
    const uint64_t before = owners_->changes();
    sram.clear();
    if (const std::optional<uint64_t> row = owners_->admit(rec, who, &sram)) {
      refuse(i, slot, static_cast<uint16_t>(sd::DevStatus::kRowDenied), *row);
      continue;
    }
    if (owners_->changes() != before) claimers.emplace_back(i, slot);
    for (const auto& [tile, row] : sram) sram_->make_current(*platform_, tile, row, who);
  }
  // Rows claimed are stored before the commands that claimed them run, so
  // no power cut leaves a programmed row without its owner. If they cannot
  // be, those commands do not run (the claims stay in memory and are stored
  // with the next change).
  try {
    owners_->save_if_changed();
  } catch (const std::exception&) {
    for (const auto& [index, slot] : claimers) {
      sd::CommandRecord rec;
      std::memcpy(&rec, sq + slot * sizeof rec, sizeof rec);
      refuse(index, slot, static_cast<uint16_t>(sd::DevStatus::kNvmIo),
             uint64_t{rec.tile} << 32 | rec.row);
    }
  }
}

void EngineState::run_batch(EngineQueue& q, uint32_t n) {
  EngineContext& c = contexts_.at(q.ctx);
  activate(q.ctx);
  Platform& p = *platform_;
  uint8_t* sq = ring_base_;
  uint8_t* cq = ring_base_ + kCqOffset;
  const uint32_t first = dev_tail_;
  std::vector<Refused> refused;
  stage_batch(q, n, &refused);
  // The device runs only this batch until it is idle, so everything its stats
  // record in between (commands, ring fetches, completion writes) is this
  // context's.
  const device::Stats& stats = p.stats();
  const device::Stats::Mark mark = stats.mark();
  p.write(sd::reg::kQDoorbell, dev_tail_);
  p.run();
  charge(c.usage, stats.since(mark), n);
  const bool halted = (p.read(sd::reg::kStatus) & sd::status::kHalted) != 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t slot = (first + i) % kDeviceRingEntries;
    sd::CompletionRecord rec;
    std::memcpy(&rec, cq + slot * sizeof rec, sizeof rec);
    if ((rec.flags & sd::completion_flags::kDone) == 0) {
      // Only a ring fault leaves a slot unwritten; say so rather than hang.
      std::memcpy(&rec.seq, sq + slot * sizeof(sd::CommandRecord) + 8, sizeof rec.seq);
      rec = {rec.seq, static_cast<uint16_t>(sd::DevStatus::kRingFault), 0,
             sd::completion_flags::kDone, 0};
    }
    q.view.cq[(q.head + i) & q.view.mask] = rec;
    // No later context may read this context's records back out of the ring.
    std::memset(sq + slot * sizeof(sd::CommandRecord), 0, sizeof(sd::CommandRecord));
  }
  fold_errors(c);
  for (const Refused& d : refused) {
    CompletionRecord& rec = q.view.cq[(q.head + d.index) & q.view.mask];
    rec.status = d.status;
    rec.opcode = d.opcode;
    rec.cycles = 0;
    // Logged as the device logs its own refusals (the latest one wins).
    c.err.code = rec.status;
    c.err.seq = rec.seq;
    c.err.addr = d.addr;
    c.err.count = c.err.count == UINT32_MAX ? UINT32_MAX : c.err.count + 1;
  }
  if (halted) {
    // RESET zeroes SRAM: every owner's contents are put back after it.
    const auto sram = sram_->save_all(p);
    p.write(sd::reg::kReset, sd::kResetKey);
    p.run();
    setup_rings();
    sram_->restore_all(p, sram);
  }
  commands_ += n;
  q.head += n;
  Usage u;
  usage(q.ctx, &u);
  write_usage(q.view.header->usage, u);
  q.view.header->sq_head.store(q.head, std::memory_order_release);
  q.view.header->cq_tail.store(q.head, std::memory_order_release);
  signal_eventfd(q.completion.get());
}

void EngineState::fold_errors(EngineContext& c) {
  Platform& p = *platform_;
  const uint32_t count = p.read(sd::reg::kErrCount);
  if (count == 0) return;
  c.err.code = p.read(sd::reg::kErrCode);
  c.err.seq = p.read(sd::reg::kErrSeq);
  c.err.addr = p.read(sd::reg::kErrAddrLo) | uint64_t{p.read(sd::reg::kErrAddrHi)} << 32;
  // Saturates like ERR_COUNT.
  c.err.count = count > UINT32_MAX - c.err.count ? UINT32_MAX : c.err.count + count;
  p.write(sd::reg::kErrClear, 1);
  p.write(sd::reg::kIrqAck, sd::irq::kAll);
}

void EngineState::fault(EngineQueue& q) {
  q.faulted = true;
  q.pending = false;
  q.view.header->fault.store(1, std::memory_order_release);
  signal_eventfd(q.completion.get());
}

// Serves every queue of ctx until their rings are empty.
void EngineState::drain(uint32_t ctx) {
  EngineContext& c = contexts_.at(ctx);
  for (auto& [qid, q] : c.queues) {
    if (q->faulted) continue;
    for (q->pending = true; q->pending;) serve(*q);
    ready_.erase(std::remove(ready_.begin(), ready_.end(), q.get()), ready_.end());
  }
}

// Scoped to the context's owner: a device RESET would zero every owner's
// SRAM, so the engine zeroes only the rows holding this owner's contents.
// The device's registers stay as the engine keeps them (it resets the device
// itself after a halt).
Status EngineState::reset(uint32_t ctx) {
  if (!context(ctx)) return Status::kNotFound;
  drain(ctx);
  sram_->forget(*platform_, contexts_.at(ctx).owner);
  contexts_.at(ctx).err = {};
  return Status::kOk;
}

}  // namespace hycim::driver
