// The SystemC device's DMA engine, and its DevicePort: every host access of
// the device goes through it (the window rule is dma_window.hpp). dma_read()
// and dma_write() move bytes over the TLM initiator socket and take simulated
// time:
// the link is shared (one transfer's bytes at a time, at dma_bytes_per_ns); a
// read then waits dma_latency_ns (overlapping other transfers), a write is
// posted (no latency wait).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <systemc>
#include <tlm>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/device_port.hpp"
#include "sim/device/dma_window.hpp"
#include "sim/device/timing_config.hpp"

namespace hycim::device {

class DmaEngine : public DevicePort {
 public:
  using Socket = tlm::tlm_initiator_socket<>;
  DmaEngine(Socket& socket, const TimingConfig& timing) : socket_(socket), timing_(timing) {}

  // From an SC_THREAD only (they wait).
  spec::device::DevStatus dma_read(uint64_t addr, std::span<uint8_t> out) override;
  spec::device::DevStatus dma_write(uint64_t addr, std::span<const uint8_t> in) override;
  double now_ns() const override;
  void wait_ns(double ns) override;

 private:
  spec::device::DevStatus transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                                   uint64_t len);

  Socket& socket_;
  const TimingConfig& timing_;
  sc_core::sc_mutex link_;
};

}  // namespace hycim::device
