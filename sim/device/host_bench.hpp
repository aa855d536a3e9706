// A minimal host around one device, for tests, benchmarks and tools: a host
// memory on the device's DMA socket, a register port on its target socket, an
// interrupt signal, and helpers that lay out a command ring and completion
// ring at the start of host memory and run command batches to completion.
// Lives in one SystemC simulation; SystemC allows one elaboration per process.
#pragma once
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <memory>
#include <span>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/device/device.hpp"
#include "sim/device/host_memory.hpp"

namespace hycim::device {

class HostBench {
 public:
  // Host memory: [kBase, kBase + bytes). Ring (kRingEntries x 64 B) at kBase,
  // completions (kRingEntries x 16 B) at kBase + kCqOffset, buffers from
  // data(0) = kBase + kDataOffset.
  static constexpr uint64_t kBase = 0x8000'0000;
  static constexpr uint32_t kRingEntries = 256;
  static constexpr uint64_t kCqOffset = kRingEntries * 64;
  static constexpr uint64_t kDataOffset = kCqOffset + kRingEntries * 16;

  HostBench(const char* name, const DeviceConfig& config, uint64_t mem_bytes = 1 << 20);
  ~HostBench();

  // 32-bit register access at `offset`; the TLM response.
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t offset, uint32_t& value,
                                  unsigned length = 4);
  uint32_t read(uint32_t offset);
  void write(uint32_t offset, uint32_t value);

  // Programs the rings and maps window 0 over all host memory (read+write).
  void setup(bool map_all = true);
  void map_window(uint32_t index, uint64_t base, uint64_t size, uint32_t ctrl);
  // Writes the records at the ring tail, rings the doorbell, simulates until
  // the device is idle; returns the completion of each record, in order.
  // Batches longer than the ring are split.
  std::vector<spec::device::CompletionRecord> run(
      const std::vector<spec::device::CommandRecord>& records);
  // Simulates until nothing is left to do.
  void settle();
  // The two halves of run(), for driving several benches in one simulation:
  // submit() writes at most kRingEntries - 1 records and rings the doorbell;
  // collect() reads their completions back after a settle().
  std::vector<uint32_t> submit(std::span<const spec::device::CommandRecord> records);
  std::vector<spec::device::CompletionRecord> collect(const std::vector<uint32_t>& slots);

  uint64_t data(uint64_t offset) const { return kBase + kDataOffset + offset; }
  std::span<uint8_t> mem(uint64_t addr, uint64_t len) { return memory_->bytes(addr, len); }
  HostMemory& memory() { return *memory_; }
  Device& device() { return *device_; }
  bool irq() const { return irq_.read(); }

 private:
  struct Port : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Port> socket;
    explicit Port(sc_core::sc_module_name n) : sc_module(n), socket("socket") {}
  };
  std::unique_ptr<HostMemory> memory_;
  std::unique_ptr<Device> device_;
  std::unique_ptr<Port> port_;
  sc_core::sc_signal<bool> irq_;
  uint32_t tail_ = 0;
};

}  // namespace hycim::device
