#include "sim/device/device.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "sim/device/command_check.hpp"
#include "sim/device/tile_factory.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;
using sd::DevStatus;

Capabilities capabilities(const DeviceConfig& c, bool persistent) {
  return {c.tiles, tile::named_config(c.tile_config),
          (c.tile_kind == TileKind::kRtl ? sd::cap_flags::kRtlTiles : 0u) |
              (persistent ? sd::cap_flags::kPersistentNvm : 0u)};
}

}  // namespace

Device::Device(sc_core::sc_module_name name, const DeviceConfig& config)
    : sc_module(name),
      regs("regs"),
      dma("dma"),
      irq("irq"),
      config_((config.validate(), config)),
      tile_cfg_(tile::named_config(config_.tile_config)),
      regfile_(capabilities(config_, !config_.nvm_image.empty())),
      dma_engine_(dma, config_.timing),
      stats_(config_.tiles, config_.timing.period_ns()) {
  if (!config_.nvm_image.empty())
    nvm_ = std::make_unique<NvmBacking>(config_.nvm_image, config_.tiles, tile_cfg_);
  for (uint32_t i = 0; i < config_.tiles; ++i) {
    auto t = make_tile(config_.tile_kind, tile_cfg_);
    if (nvm_) nvm_->restore(i, *t);
    workers_.push_back(std::make_unique<TileWorker>(
        fmt::format("tile{}", i).c_str(), i, std::move(t), dma_engine_, config_.timing, nvm_.get(),
        [this](const Job& j, const Outcome& o) { complete(j, o); }));
  }
  regs.register_b_transport(this, &Device::reg_transport);
  SC_HAS_PROCESS(Device);
  SC_THREAD(process);
  SC_METHOD(drive_irq);
  sensitive << irq_changed_;
}

Device::~Device() = default;

double Device::now_ns() {
  return sc_core::sc_time_stamp().to_seconds() * 1e9;
}

// Registers answer in zero time and never wait, so a host may access them from
// any process or between sc_start() calls.
void Device::reg_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
  if (tx.get_data_length() != 4 || tx.get_streaming_width() != 4)
    return tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
  if (tx.get_byte_enable_ptr() != nullptr)
    return tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  const uint64_t addr = tx.get_address();
  if (addr % 4 != 0 || addr > UINT32_MAX)
    return tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  uint32_t value = 0;
  RegisterFile::Effects fx;
  RegisterFile::Bus bus = RegisterFile::Bus::kCommandError;
  if (tx.is_read()) {
    bus = regfile_.read(static_cast<uint32_t>(addr), value);
    std::memcpy(tx.get_data_ptr(), &value, 4);
  } else if (tx.is_write()) {
    std::memcpy(&value, tx.get_data_ptr(), 4);
    bus = regfile_.write(static_cast<uint32_t>(addr), value, fx);
  }
  if (fx.kick || fx.reset) kick_.notify(sc_core::SC_ZERO_TIME);
  changed();
  tx.set_response_status(bus == RegisterFile::Bus::kOk ? tlm::TLM_OK_RESPONSE
                         : bus == RegisterFile::Bus::kAddressError
                             ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                             : tlm::TLM_COMMAND_ERROR_RESPONSE);
}

void Device::changed() {
  regfile_.set_busy(fetching_ || in_flight_ > 0);
  irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Device::drive_irq() {
  irq.write(regfile_.irq_line());
}

void Device::process() {
  for (;;) {
    while (!regfile_.has_work() && !regfile_.reset_pending()) wait(kick_);
    if (regfile_.reset_pending()) {
      while (in_flight_ > 0) wait(completed_);
      do_reset();
      continue;
    }
    fetch_burst();
  }
}

// Fetches the entries from head up to the tail (at most kFetchBurst, not
// across the ring's end) in one DMA read, as a device's fetch engine does, then
// checks and dispatches them in order.
void Device::fetch_burst() {
  const uint32_t head = regfile_.head(), size = regfile_.queue_size();
  const uint32_t n = std::min({(regfile_.tail() - head) & (size - 1), size - head, kFetchBurst});
  const uint64_t addr = regfile_.queue_base() + uint64_t{head} * sizeof(sd::CommandRecord);
  std::vector<uint8_t> raw(size_t{n} * sizeof(sd::CommandRecord));
  fetching_ = true;
  changed();
  const bool ok = window_allows(regfile_.windows(), {addr, raw.size(), sd::win_ctrl::kRead}) &&
                  dma_engine_.read(addr, raw) == DevStatus::kOk;
  fetching_ = false;
  if (!ok) return ring_fault(addr);
  stats_.add_ring_dma(raw.size(), double(raw.size()) * config_.timing.energy_pj.dma_byte);
  for (uint32_t i = 0; i < n && !regfile_.reset_pending(); ++i) {
    Job job;
    job.ring_index = regfile_.head();
    std::memcpy(&job.record, &raw[size_t{i} * sizeof job.record], sizeof job.record);
    regfile_.advance_head();
    dispatch(job);
  }
}

// Checks a fetched record and starts it: in the processor (NOP, FENCE, refused
// commands) or on its tile's work queue.
void Device::dispatch(Job job) {
  if (static_cast<DevOpcode>(job.record.opcode) == DevOpcode::kFence)
    while (in_flight_ > 0) wait(completed_);  // everything dispatched before it
  job.started_ns = now_ns();
  ++in_flight_;
  changed();
  const DevStatus st = check_record(job.record, tile_cfg_, config_.tiles);
  if (st != DevStatus::kOk) return complete(job, {st, 0, {}});
  for (const HostRange& r : host_ranges(job.record, tile_cfg_))
    if (!window_allows(regfile_.windows(), r))
      return complete(job, {DevStatus::kDmaFault, r.addr, {}});
  const auto op = static_cast<DevOpcode>(job.record.opcode);
  if (op == DevOpcode::kNop || op == DevOpcode::kFence) return complete(job, {});
  workers_[job.record.tile]->push(job);
}

// Writes the completion record of ring entry `ring_index` (from the processor
// thread or a tile's), logs a failed command, and raises the interrupt.
void Device::complete(const Job& job, const Outcome& outcome) {
  const sd::CommandRecord& c = job.record;
  sd::CompletionRecord rec{c.seq, static_cast<uint16_t>(outcome.status), c.opcode,
                           sd::completion_flags::kDone, outcome.work.cycles};
  const uint64_t addr = regfile_.completion_base() + uint64_t{job.ring_index} * sizeof rec;
  uint8_t raw[sizeof rec];
  std::memcpy(raw, &rec, sizeof rec);
  if (outcome.status != DevStatus::kOk)
    regfile_.log_error(outcome.status, c.seq, outcome.fault_addr);
  const bool ok = window_allows(regfile_.windows(), {addr, sizeof rec, sd::win_ctrl::kWrite}) &&
                  dma_engine_.write(addr, raw) == DevStatus::kOk;
  if (ok) {
    stats_.add_ring_dma(sizeof rec, sizeof rec * config_.timing.energy_pj.dma_byte);
    regfile_.count_completion();
    regfile_.raise(sd::irq::kCompletion);
  }
  stats_.record({job.ring_index, c.seq, static_cast<DevOpcode>(c.opcode), c.tile, outcome.status,
                 job.started_ns, now_ns(), outcome.work});
  --in_flight_;
  completed_.notify(sc_core::SC_ZERO_TIME);
  if (!ok) ring_fault(addr);
  changed();
}

void Device::ring_fault(uint64_t addr) {
  regfile_.log_error(DevStatus::kRingFault, 0, addr);
  regfile_.set_halted(true);
  changed();
}

// RESET waits for in-flight commands (a tile command cannot be cut short),
// then: registers to power-on values, SRAM rows zero. NVM rows and wear stay:
// they are non-volatile.
void Device::do_reset() {
  regfile_.reset();
  const std::vector<uint8_t> zero(tile_cfg_.lanes, 0);
  for (auto& w : workers_)
    for (uint32_t r = tile_cfg_.nvm_rows; r < tile_cfg_.rows(); ++r) w->tile().poke_row(r, zero);
  changed();
}

}  // namespace hycim::device
