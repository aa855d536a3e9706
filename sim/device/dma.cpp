#include "sim/device/dma.hpp"

namespace hycim::device {

using spec::device::DevStatus;

DevStatus DmaEngine::dma_read(uint64_t addr, std::span<uint8_t> out) {
  return transfer(tlm::TLM_READ_COMMAND, addr, out.data(), out.size());
}

DevStatus DmaEngine::dma_write(uint64_t addr, std::span<const uint8_t> in) {
  // The generic payload takes a non-const pointer for both directions; a write
  // target only reads it.
  return transfer(tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(in.data()), in.size());
}

double DmaEngine::now_ns() const {
  return sc_core::sc_time_stamp().to_seconds() * 1e9;
}

void DmaEngine::wait_ns(double ns) {
  sc_core::wait(sc_core::sc_time(ns, sc_core::SC_NS));
}

DevStatus DmaEngine::transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint64_t len) {
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
  link_.lock();
  socket_->b_transport(tx, delay);
  sc_core::wait(delay + sc_core::sc_time(double(len) / timing_.dma_bytes_per_ns, sc_core::SC_NS));
  link_.unlock();
  // Writes are posted: the engine goes on once the bytes are on the link.
  // Reads wait for the data to come back.
  if (cmd == tlm::TLM_READ_COMMAND)
    sc_core::wait(sc_core::sc_time(timing_.dma_latency_ns, sc_core::SC_NS));
  return tx.is_response_ok() ? DevStatus::kOk : DevStatus::kDmaError;
}

}  // namespace hycim::device
