#include "sim/device/host_memory.hpp"

#include <cstring>
#include <stdexcept>

namespace hycim::device {

HostMemory::HostMemory(sc_core::sc_module_name name, uint64_t base, uint64_t bytes)
    : sc_module(name), socket("socket"), base_(base), mem_(bytes, 0) {
  socket.register_b_transport(this, &HostMemory::b_transport);
}

std::span<uint8_t> HostMemory::bytes(uint64_t addr, uint64_t len) {
  if (addr < base_ || addr - base_ > mem_.size() || len > mem_.size() - (addr - base_))
    throw std::out_of_range("HostMemory::bytes: range outside the memory");
  return {mem_.data() + (addr - base_), len};
}

void HostMemory::fail_range(uint64_t addr, uint64_t len) {
  fail_addr_ = addr;
  fail_len_ = len;
}

bool HostMemory::failing(uint64_t addr, uint64_t len) const {
  return fail_len_ != 0 && addr < fail_addr_ + fail_len_ && fail_addr_ < addr + len;
}

void HostMemory::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time&) {
  const uint64_t addr = tx.get_address(), len = tx.get_data_length();
  if (addr < base_ || addr - base_ > mem_.size() || len > mem_.size() - (addr - base_)) {
    tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (tx.get_byte_enable_ptr() != nullptr) {
    tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (failing(addr, len)) {
    tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  uint8_t* p = mem_.data() + (addr - base_);
  if (tx.is_read())
    std::memcpy(tx.get_data_ptr(), p, len);
  else if (tx.is_write())
    std::memcpy(p, tx.get_data_ptr(), len);
  transferred_ += len;
  tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace hycim::device
