// One fixture for every driver API test, parameterized by backend: "sim"
// (in-process, the functional device), "systemc" (in-process, the SystemC
// device) or "unix" (through a hycimd child). All get the small tile config,
// 2 tiles and an NVM image in a fresh directory, so every test body runs
// unchanged on each.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "driver/command_builders.hpp"
#include "driver/driver.hpp"
#include "tests/driver/daemon_process.hpp"

namespace hycim::driver::test {

namespace cmd = driver::cmd;
namespace sd = spec::device;
using namespace std::chrono_literals;

inline constexpr uint32_t kRw = HYCIM_ACCESS_READ | HYCIM_ACCESS_WRITE;

// sim:// options of every test process for `engine` ("functional" or
// "systemc"). SystemC elaborates once per process, so all SystemC opens of one
// process must name the same device; the two engines have their own images.
std::string sim_uri(const std::string& engine = "functional");

class DriverApi : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override;
  std::unique_ptr<Device> open() { return Device::open(uri_); }
  // A buffer mapped with `access`, filled with `fill`.
  std::unique_ptr<Buffer> mapped(Device& d, size_t bytes, uint32_t access = kRw, uint8_t fill = 0);
  // Submits everything (in ring-sized pieces) and returns the completions.
  std::vector<CompletionRecord> run(Queue& q, const std::vector<CommandRecord>& cmds);

  std::unique_ptr<DaemonProcess> daemon_;
  std::string uri_;
  std::unique_ptr<Device> dev_;
};

// acc[l] = sum_k x[k] * W[k][l] over int8 values (W row-major, lanes wide).
std::vector<int32_t> mvm_reference(const std::vector<int8_t>& w, const std::vector<int8_t>& x,
                                   uint32_t lanes);

}  // namespace hycim::driver::test
