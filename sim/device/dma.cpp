#include "sim/device/dma.hpp"

namespace hycim::device {

using spec::device::DevStatus;

class DmaEngine::Requester final : public DevicePort {
 public:
  Requester(DmaEngine& engine, uint32_t who) : engine_(engine), who_(who) {}
  DevStatus dma_read(uint64_t addr, std::span<uint8_t> out) override {
    return engine_.transfer(who_, tlm::TLM_READ_COMMAND, addr, out.data(), out.size());
  }
  DevStatus dma_write(uint64_t addr, std::span<const uint8_t> in) override {
    // The generic payload takes a non-const pointer for both directions; a
    // write target only reads it.
    return engine_.transfer(who_, tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(in.data()),
                            in.size());
  }
  double now_ns() const override { return sc_core::sc_time_stamp().to_seconds() * 1e9; }
  void wait_ns(double ns) override { sc_core::wait(sc_core::sc_time(ns, sc_core::SC_NS)); }

 private:
  DmaEngine& engine_;
  uint32_t who_;
};

DmaEngine::DmaEngine(Socket& socket, const TimingConfig& timing, uint32_t tiles)
    : socket_(socket), timing_(timing) {
  for (uint32_t who = 0; who <= tiles; ++who)
    ports_.push_back(std::make_unique<Requester>(*this, who));
}

DmaEngine::~DmaEngine() = default;

DevicePort& DmaEngine::port(uint32_t who) {
  return *ports_.at(who);
}

// Everyone asking in this delta is counted before anyone is served (the
// zero-time wait); then the lowest number among the waiters takes the link
// once it is free, the others wait for the next release.
void DmaEngine::acquire(uint32_t who) {
  waiting_.insert(who);
  sc_core::wait(sc_core::SC_ZERO_TIME);
  while (busy_ || *waiting_.begin() != who) sc_core::wait(freed_);
  waiting_.erase(waiting_.find(who));
  busy_ = true;
}

void DmaEngine::release() {
  busy_ = false;
  freed_.notify(sc_core::SC_ZERO_TIME);
}

DevStatus DmaEngine::transfer(uint32_t who, tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                              uint64_t len) {
  if (len == 0) return DevStatus::kOk;
  tlm::tlm_generic_payload tx;
  tx.set_command(cmd);
  tx.set_address(addr);
  tx.set_data_ptr(data);
  tx.set_data_length(static_cast<unsigned>(len));
  tx.set_streaming_width(static_cast<unsigned>(len));
  tx.set_byte_enable_ptr(nullptr);
  tx.set_dmi_allowed(false);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  acquire(who);
  socket_->b_transport(tx, delay);
  sc_core::wait(delay + sc_core::sc_time(double(len) / timing_.dma_bytes_per_ns, sc_core::SC_NS));
  release();
  // Writes are posted: the engine goes on once the bytes are on the link.
  // Reads wait for the data to come back.
  if (cmd == tlm::TLM_READ_COMMAND)
    sc_core::wait(sc_core::sc_time(timing_.dma_latency_ns, sc_core::SC_NS));
  return tx.is_response_ok() ? DevStatus::kOk : DevStatus::kDmaError;
}

}  // namespace hycim::device
