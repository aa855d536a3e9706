// The device's DMA engine: every host access of the device goes through it.
// check() is the address-window rule (docs/device.md, "DMA windows"): a
// command's host ranges are all checked before any of them is touched. read()
// and write() move bytes over the TLM initiator socket and take simulated time:
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
#include "sim/device/registers.hpp"
#include "sim/device/timing_config.hpp"

namespace hycim::device {

struct HostRange {
  uint64_t addr = 0;
  uint64_t len = 0;
  uint32_t need = 0;  // spec::device::win_ctrl::kRead or kWrite
};

// True when [r.addr, r.addr + r.len) lies inside one window whose WIN_CTRL
// grants r.need. Empty ranges always pass (nothing is touched).
bool window_allows(const std::array<DmaWindow, spec::device::kDmaWindows>& windows,
                   const HostRange& r);

class DmaEngine {
 public:
  using Socket = tlm::tlm_initiator_socket<>;
  DmaEngine(Socket& socket, const TimingConfig& timing) : socket_(socket), timing_(timing) {}

  // From an SC_THREAD only (they wait). kOk, or kDmaError when the host
  // answered with an error response.
  spec::device::DevStatus read(uint64_t addr, std::span<uint8_t> out);
  spec::device::DevStatus write(uint64_t addr, std::span<const uint8_t> in);

 private:
  spec::device::DevStatus transfer(tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                                   uint64_t len);

  Socket& socket_;
  const TimingConfig& timing_;
  sc_core::sc_mutex link_;
};

}  // namespace hycim::device
