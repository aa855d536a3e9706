// Shared helpers of the device tests: each SystemC test runs in a forked
// child (SystemC allows one elaboration per process, and ctest's one-process-
// per-test is not the only way the binary is run), small device configs, and
// plain-loop references.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "driver/command_builders.hpp"
#include "sim/device/host_bench.hpp"
#include "sim/tile/tile_reference.hpp"

namespace hycim::device::testing {

namespace sd = spec::device;
namespace cmd = driver::cmd;
using sd::DevOpcode;
using sd::DevStatus;

// Runs `body` in a child process; its gtest failures are printed by the child
// and turn into one failure here.
inline void in_child(const std::function<void()>& body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0) << "fork failed";
  if (pid == 0) {
    try {
      body();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "exception: " << e.what();
    }
    std::fflush(nullptr);
    _exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the test's SystemC child failed (its messages are above)";
}

inline DeviceConfig small_config(uint32_t tiles = 2, TileKind kind = TileKind::kModel) {
  DeviceConfig c;
  c.tile_config = "small";
  c.tiles = tiles;
  c.tile_kind = kind;
  return c;
}

inline DevStatus status_of(const sd::CompletionRecord& c) {
  return static_cast<DevStatus>(c.status);
}

inline std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// For a HostBench or a FunctionalBench: anything with mem(addr, len).
template <class Bench>
void put(Bench& tb, uint64_t addr, const std::vector<uint8_t>& bytes) {
  std::memcpy(tb.mem(addr, bytes.size()).data(), bytes.data(), bytes.size());
}

template <class Bench>
std::vector<uint8_t> get(Bench& tb, uint64_t addr, size_t n) {
  auto s = tb.mem(addr, n);
  return {s.begin(), s.end()};
}

template <class Bench>
std::vector<int32_t> get_lanes(Bench& tb, uint64_t addr, size_t lanes) {
  std::vector<int32_t> v(lanes);
  std::memcpy(v.data(), tb.mem(addr, lanes * 4).data(), lanes * 4);
  return v;
}

// acc[l] = sum_k x[k] * W[k][l] with W's rows `weights` (LANES bytes each).
inline std::vector<int32_t> reference_mvm(const std::vector<std::vector<uint8_t>>& weights,
                                          const std::vector<uint8_t>& x, cmd::Widths w) {
  using tile::reference::lane_value;
  std::vector<std::vector<int64_t>> wv;
  std::vector<int64_t> xv;
  for (size_t k = 0; k < x.size(); ++k) {
    xv.push_back(lane_value(x[k], w.xbits, w.xsigned));
    std::vector<int64_t> row;
    for (uint8_t b : weights[k]) row.push_back(lane_value(b, w.wbits, w.wsigned));
    wv.push_back(row);
  }
  std::vector<int32_t> out;
  for (int64_t v : tile::reference::mvm(wv, xv)) out.push_back(static_cast<int32_t>(v));
  return out;
}

}  // namespace hycim::device::testing
