#include "sim/device/device.hpp"

#include <fmt/format.h>

#include <cstring>

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;

}  // namespace

Device::Device(sc_core::sc_module_name name, const DeviceConfig& config)
    : sc_module(name),
      regs("regs"),
      dma("dma"),
      irq("irq"),
      processor_(config),
      regfile_(processor_.registers()),
      dma_engine_(dma, processor_.config().timing, processor_.config().tiles) {
  for (uint32_t i = 0; i < processor_.config().tiles; ++i)
    workers_.push_back(std::make_unique<TileWorker>(
        fmt::format("tile{}", i).c_str(),
        [this, i](const Job& j) {
          return processor_.execute(j, dma_engine_.port(DmaEngine::tile_requester(i)));
        },
        [this, i](const Job& j, const Outcome& o) {
          complete(j, o, dma_engine_.port(DmaEngine::tile_requester(i)));
        }));
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

// RESET waits for in-flight commands (a tile command cannot be cut short).
void Device::process() {
  for (;;) {
    while (!regfile_.has_work() && !regfile_.reset_pending()) wait(kick_);
    if (regfile_.reset_pending()) {
      while (in_flight_ > 0) wait(completed_);
      processor_.reset();
      changed();
      continue;
    }
    fetch_burst();
  }
}

// One fetch DMA, then the entries it read are checked and dispatched in order.
void Device::fetch_burst() {
  fetching_ = true;
  changed();
  const std::vector<Job> jobs = processor_.fetch(dma_engine_.port(DmaEngine::kProcessor));
  fetching_ = false;
  changed();
  for (size_t i = 0; i < jobs.size() && !regfile_.reset_pending(); ++i) {
    regfile_.advance_head();
    dispatch(jobs[i]);
  }
}

// Starts a fetched record: in the processor (NOP, FENCE, refused commands) or
// on its tile's work queue.
void Device::dispatch(Job job) {
  if (static_cast<DevOpcode>(job.record.opcode) == DevOpcode::kFence)
    while (in_flight_ > 0) wait(completed_);  // everything dispatched before it
  job.started_ns = now_ns();
  ++in_flight_;
  changed();
  if (const auto outcome = processor_.admit(job))
    return complete(job, *outcome, dma_engine_.port(DmaEngine::kProcessor));
  workers_[job.record.tile]->push(job);
}

// From the processor thread or a tile's (it waits: the record goes over DMA
// through that thread's requester port).
void Device::complete(const Job& job, const Outcome& outcome, DevicePort& port) {
  processor_.complete(job, outcome, port);
  --in_flight_;
  completed_.notify(sc_core::SC_ZERO_TIME);
  changed();
}

}  // namespace hycim::device
