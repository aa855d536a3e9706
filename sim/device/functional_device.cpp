#include "sim/device/functional_device.hpp"

#include <algorithm>
#include <cstring>

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevStatus;

}  // namespace

// One clock of the functional timing and the DMA it does. A transfer costs
// what the SystemC link charges one transfer alone: len / dma_bytes_per_ns,
// plus dma_latency_ns for a read; there is no contention between clocks.
class FunctionalDevice::Port : public DevicePort {
 public:
  Port(const HostMemory& memory, const TimingConfig& timing) : memory_(memory), timing_(timing) {}

  DevStatus dma_read(uint64_t addr, std::span<uint8_t> out) override {
    if (out.empty()) return DevStatus::kOk;
    uint8_t* p = memory_(addr, out.size());
    if (p) std::memcpy(out.data(), p, out.size());
    now_ += double(out.size()) / timing_.dma_bytes_per_ns + timing_.dma_latency_ns;
    return p ? DevStatus::kOk : DevStatus::kDmaError;
  }
  DevStatus dma_write(uint64_t addr, std::span<const uint8_t> in) override {
    if (in.empty()) return DevStatus::kOk;
    uint8_t* p = memory_(addr, in.size());
    if (p) std::memcpy(p, in.data(), in.size());
    now_ += double(in.size()) / timing_.dma_bytes_per_ns;
    return p ? DevStatus::kOk : DevStatus::kDmaError;
  }
  double now_ns() const override { return now_; }
  void wait_ns(double ns) override { now_ += ns; }
  void wait_until(double ns) { now_ = std::max(now_, ns); }

 private:
  const HostMemory& memory_;
  const TimingConfig& timing_;
  double now_ = 0;
};

FunctionalDevice::FunctionalDevice(const DeviceConfig& config, HostMemory memory)
    : processor_(config), memory_(std::move(memory)) {
  const TimingConfig& timing = processor_.config().timing;
  processor_port_ = std::make_unique<Port>(memory_, timing);
  for (uint32_t i = 0; i < processor_.config().tiles; ++i)
    tiles_.push_back(std::make_unique<Port>(memory_, timing));
}

FunctionalDevice::~FunctionalDevice() = default;

RegisterFile::Bus FunctionalDevice::read(uint32_t offset, uint32_t& value) const {
  return processor_.registers().read(offset, value);
}

RegisterFile::Bus FunctionalDevice::write(uint32_t offset, uint32_t value) {
  RegisterFile::Effects fx;  // run() looks at the registers themselves
  return processor_.registers().write(offset, value, fx);
}

// Tile clocks move only in run_burst(), which keeps their maximum, so asking
// the time never visits the tiles: a device of 4096 tiles answers as fast as
// one of 4.
double FunctionalDevice::now_ns() const {
  return std::max(processor_port_->now_ns(), latest_tile_ns_);
}

// Every command completes inside run(), so a RESET never waits for one and
// the busy bit is never seen set. The host rang after the previous run()
// returned, i.e. once the device was idle: the processor starts then.
void FunctionalDevice::run() {
  RegisterFile& regs = processor_.registers();
  processor_port_->wait_until(now_ns());
  for (;;) {
    if (regs.reset_pending()) {
      processor_.reset();
      continue;
    }
    if (!regs.has_work()) return;
    run_burst();
  }
}

// One fetch, then each entry in ring order. The processor's clock dispatches;
// a tile's command starts when both it and its tile are free and runs on the
// tile's clock; FENCE waits for every tile's clock.
void FunctionalDevice::run_burst() {
  const std::vector<Job> jobs = processor_.fetch(*processor_port_);
  for (Job job : jobs) {
    processor_.registers().advance_head();
    if (static_cast<sd::DevOpcode>(job.record.opcode) == sd::DevOpcode::kFence)
      processor_port_->wait_until(now_ns());
    job.started_ns = processor_port_->now_ns();
    if (const auto outcome = processor_.admit(job)) {
      processor_.complete(job, *outcome, *processor_port_);
      continue;
    }
    Port& tile = *tiles_[job.record.tile];
    tile.wait_until(job.started_ns);
    processor_.complete(job, processor_.execute(job, tile), tile);
    latest_tile_ns_ = std::max(latest_tile_ns_, tile.now_ns());
  }
}

}  // namespace hycim::device
