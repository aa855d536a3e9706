// The SystemC device's DMA engine: every host access of the device goes
// through one of its requester ports (DevicePorts; the window rule is
// dma_window.hpp). dma_read() and dma_write() move bytes over the TLM
// initiator socket and take simulated time: the link is shared (one
// transfer's bytes at a time, at dma_bytes_per_ns); a read then waits
// dma_latency_ns (overlapping other transfers), a write is posted (no
// latency wait).
//
// The link goes to the waiting requester with the lowest number (the
// command processor's fetch engine is 0, tile i is 1 + i), requests of one
// instant counted together. A mutex would hand it out in SystemC's process
// order instead, which the kernel does not fix: two identical devices in one
// simulation (an RTL-backed one beside a model-backed one) could then order
// the same two transfers differently.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <systemc>
#include <tlm>
#include <vector>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/device_port.hpp"
#include "sim/device/dma_window.hpp"
#include "sim/device/timing_config.hpp"

namespace hycim::device {

class DmaEngine {
 public:
  using Socket = tlm::tlm_initiator_socket<>;
  // Requester 0 and one for each of `tiles` tiles.
  DmaEngine(Socket& socket, const TimingConfig& timing, uint32_t tiles);
  ~DmaEngine();

  // Requester `who`'s port; from an SC_THREAD only (its accesses wait).
  DevicePort& port(uint32_t who);
  static constexpr uint32_t kProcessor = 0;
  static uint32_t tile_requester(uint32_t tile) { return 1 + tile; }

 private:
  class Requester;
  spec::device::DevStatus transfer(uint32_t who, tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                                   uint64_t len);
  void acquire(uint32_t who);
  void release();

  Socket& socket_;
  const TimingConfig& timing_;
  std::vector<std::unique_ptr<Requester>> ports_;
  std::multiset<uint32_t> waiting_;  // requesters asking for the link
  bool busy_ = false;
  sc_core::sc_event freed_;
};

}  // namespace hycim::device
