#include "sim/device/host_bench.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "sim/device/host_programming.hpp"

namespace hycim::device {

namespace sd = spec::device;

HostBench::HostBench(const char* name, const DeviceConfig& config, uint64_t mem_bytes)
    : memory_(std::make_unique<HostMemory>(fmt::format("{}_mem", name).c_str(), kBase, mem_bytes)),
      device_(std::make_unique<Device>(fmt::format("{}_dev", name).c_str(), config)),
      port_(std::make_unique<Port>(fmt::format("{}_cpu", name).c_str())),
      irq_(fmt::format("{}_irq", name).c_str()) {
  if (mem_bytes < kDataOffset) throw std::invalid_argument("HostBench: memory smaller than rings");
  device_->dma.bind(memory_->socket);
  port_->socket.bind(device_->regs);
  device_->irq.bind(irq_);
}

HostBench::~HostBench() = default;

tlm::tlm_response_status HostBench::access(tlm::tlm_command cmd, uint64_t offset, uint32_t& value,
                                           unsigned length) {
  uint8_t buf[8] = {};
  std::memcpy(buf, &value, 4);
  tlm::tlm_generic_payload tx;
  tx.set_command(cmd);
  tx.set_address(offset);
  tx.set_data_ptr(buf);
  tx.set_data_length(length);
  tx.set_streaming_width(length);
  tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  port_->socket->b_transport(tx, delay);
  std::memcpy(&value, buf, 4);
  return tx.get_response_status();
}

uint32_t HostBench::read(uint32_t offset) {
  uint32_t v = 0;
  if (access(tlm::TLM_READ_COMMAND, offset, v) != tlm::TLM_OK_RESPONSE)
    throw std::runtime_error(fmt::format("register read at {:#x} failed", offset));
  return v;
}

void HostBench::write(uint32_t offset, uint32_t value) {
  if (access(tlm::TLM_WRITE_COMMAND, offset, value) != tlm::TLM_OK_RESPONSE)
    throw std::runtime_error(fmt::format("register write at {:#x} failed", offset));
}

void HostBench::map_window(uint32_t index, uint64_t base, uint64_t size, uint32_t ctrl) {
  program_window(*this, index, base, size, ctrl);
}

void HostBench::setup(bool map_all) {
  program_rings(*this, kBase, kBase + kCqOffset, kRingEntries);
  tail_ = 0;
  if (map_all) map_window(0, kBase, memory_->size(), sd::win_ctrl::kRead | sd::win_ctrl::kWrite);
  settle();
}

void HostBench::settle() {
  sc_core::sc_start();
}

std::vector<sd::CompletionRecord> HostBench::run(const std::vector<sd::CommandRecord>& records) {
  std::vector<sd::CompletionRecord> out;
  // One slot stays empty: head == tail means an empty ring.
  const size_t step = kRingEntries - 1;
  for (size_t i = 0; i < records.size(); i += step) {
    const auto slots = submit(std::span(records).subspan(i, std::min(step, records.size() - i)));
    settle();
    const auto part = collect(slots);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<uint32_t> HostBench::submit(std::span<const sd::CommandRecord> records) {
  if (records.size() >= kRingEntries) throw std::invalid_argument("HostBench::submit: ring full");
  std::vector<uint32_t> slots;
  for (const sd::CommandRecord& r : records) {
    std::memcpy(mem(kBase + tail_ * 64ull, 64).data(), &r, 64);
    std::memset(mem(kBase + kCqOffset + tail_ * 16ull, 16).data(), 0, 16);
    slots.push_back(tail_);
    tail_ = (tail_ + 1) % kRingEntries;
  }
  write(sd::reg::kQDoorbell, tail_);
  return slots;
}

std::vector<sd::CompletionRecord> HostBench::collect(const std::vector<uint32_t>& slots) {
  std::vector<sd::CompletionRecord> out(slots.size());
  for (size_t i = 0; i < slots.size(); ++i)
    std::memcpy(&out[i], mem(kBase + kCqOffset + slots[i] * 16ull, 16).data(), 16);
  return out;
}

}  // namespace hycim::device
