// HostBench's host layout and ring helpers around a FunctionalDevice, for
// tests that need no SystemC.
#pragma once
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "sim/device/functional_device.hpp"
#include "sim/device/host_programming.hpp"
#include "tests/device/device_test_support.hpp"

namespace hycim::device::testing {

// HostBench's host layout and helpers, around a FunctionalDevice.
class FunctionalBench {
 public:
  static constexpr uint64_t kBase = HostBench::kBase;

  explicit FunctionalBench(const DeviceConfig& config, uint64_t mem_bytes = 1 << 20)
      : mem_(mem_bytes), dev_(config, [this](uint64_t addr, uint64_t len) -> uint8_t* {
          if (addr < kBase || addr - kBase > mem_.size() || len > mem_.size() - (addr - kBase))
            return nullptr;
          return mem_.data() + (addr - kBase);
        }) {}

  void write(uint32_t offset, uint32_t v) {
    ASSERT_EQ(dev_.write(offset, v), RegisterFile::Bus::kOk) << "register " << offset;
  }
  uint32_t read(uint32_t offset) {
    uint32_t v = 0;
    EXPECT_EQ(dev_.read(offset, v), RegisterFile::Bus::kOk) << "register " << offset;
    return v;
  }
  void map_window(uint32_t index, uint64_t base, uint64_t size, uint32_t ctrl) {
    program_window(*this, index, base, size, ctrl);
  }
  void setup(bool map_all = true) {
    program_rings(*this, kBase, kBase + HostBench::kCqOffset, HostBench::kRingEntries);
    if (map_all) map_window(0, kBase, mem_.size(), sd::win_ctrl::kRead | sd::win_ctrl::kWrite);
  }
  std::vector<sd::CompletionRecord> run(const std::vector<sd::CommandRecord>& records) {
    std::vector<sd::CompletionRecord> out;
    const size_t step = HostBench::kRingEntries - 1;
    for (size_t i = 0; i < records.size(); i += step) {
      std::vector<uint32_t> slots;
      for (size_t j = i; j < std::min(records.size(), i + step); ++j) {
        std::memcpy(&mem_[tail_ * 64ull], &records[j], 64);
        std::memset(&mem_[HostBench::kCqOffset + tail_ * 16ull], 0, 16);
        slots.push_back(tail_);
        tail_ = (tail_ + 1) % HostBench::kRingEntries;
      }
      write(sd::reg::kQDoorbell, tail_);
      dev_.run();
      for (uint32_t s : slots) {
        sd::CompletionRecord c;
        std::memcpy(&c, &mem_[HostBench::kCqOffset + s * 16ull], 16);
        out.push_back(c);
      }
    }
    return out;
  }
  uint64_t data(uint64_t offset) const { return kBase + HostBench::kDataOffset + offset; }
  std::span<uint8_t> mem(uint64_t addr, uint64_t len) { return {&mem_[addr - kBase], len}; }
  FunctionalDevice& device() { return dev_; }
  // The wear of rows [0, rows) of `tile` (READ_WEAR through host memory at
  // data(kWearOffset)).
  std::vector<uint32_t> wear(uint32_t tile, uint32_t rows) {
    constexpr uint64_t kWearOffset = 8192;
    EXPECT_EQ(status_of(run({cmd::read_wear(0, tile, 0, rows, data(kWearOffset))})[0]),
              DevStatus::kOk);
    std::vector<uint32_t> w(rows);
    std::memcpy(w.data(), mem(data(kWearOffset), rows * 4).data(), rows * 4);
    return w;
  }

 private:
  std::vector<uint8_t> mem_;
  FunctionalDevice dev_;
  uint32_t tail_ = 0;
};

}  // namespace hycim::device::testing
