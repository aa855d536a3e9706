// A plain host memory for a virtual platform: one TLM-2.0 target socket over a
// byte array at a base address. The device's DMA initiator is bound to it in
// tests and benchmarks; a real VP binds its own memory or interconnect instead.
#pragma once
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <span>
#include <systemc>
#include <tlm>
#include <vector>

namespace hycim::device {

class HostMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostMemory> socket;

  HostMemory(sc_core::sc_module_name name, uint64_t base, uint64_t bytes);

  // Backdoor access for the test bench (no simulated time).
  std::span<uint8_t> bytes(uint64_t addr, uint64_t len);
  uint64_t base() const { return base_; }
  uint64_t size() const { return mem_.size(); }
  // Transactions touching [addr, addr+len) answer TLM_GENERIC_ERROR_RESPONSE,
  // so tests can see what the device does when the host bus fails.
  void fail_range(uint64_t addr, uint64_t len);
  // Bytes moved through the socket, for checking that refused DMA moved none.
  uint64_t transferred() const { return transferred_; }

 private:
  void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  bool failing(uint64_t addr, uint64_t len) const;

  uint64_t base_;
  std::vector<uint8_t> mem_;
  uint64_t fail_addr_ = 0, fail_len_ = 0;
  uint64_t transferred_ = 0;
};

}  // namespace hycim::device
