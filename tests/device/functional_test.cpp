// The functional device (no SystemC) against the SystemC device: the same
// command processor under two timings, so the same records give the same
// completions, host bytes, tile state, stats and energy; time follows the
// documented formula (docs/device.md, "Two timings"). SystemC halves run in a
// forked child; the functional device needs none.
#include <gtest/gtest.h>

#include <cstring>

#include "sim/device/functional_device.hpp"
#include "sim/device/host_programming.hpp"
#include "tests/device/device_test_support.hpp"
#include "tests/device/functional_bench.hpp"

namespace hycim::device::testing {
namespace {

constexpr uint32_t kSram0 = 32;  // first SRAM row of the small tile

// Everything a run leaves that both timings must agree on.
struct RunResult {
  std::vector<sd::CompletionRecord> done;
  std::vector<uint8_t> memory;  // the data area
  std::vector<std::vector<uint8_t>> rows;
  std::vector<uint32_t> wear;
  std::vector<uint64_t> tile_cycles;
  std::vector<double> tile_energy;
  uint64_t dma_bytes = 0, macs = 0, activations = 0;
  double energy = 0;
  uint32_t err_code = 0, err_seq = 0, err_count = 0, cq_count = 0, status = 0;
  double now_ns = 0;
};

// A seeded mix of every opcode, with refused ones (bad tile, wrong row kind,
// an address outside the window) and FENCEs, over two tiles.
std::vector<sd::CommandRecord> mixed_stream(uint64_t data, uint64_t outside) {
  std::mt19937 rng(11);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  std::vector<sd::CommandRecord> recs;
  for (uint32_t i = 0; i < 300; ++i) {
    const uint8_t tile = static_cast<uint8_t>(pick(10) == 0 ? 2 : pick(2));
    const uint64_t src = data + pick(64) * 8, dst = pick(12) == 0 ? outside : data + 8192 + i * 64;
    switch (pick(8)) {
      case 0:
        recs.push_back(pick(2) ? cmd::nop(i) : cmd::fence(i));
        break;
      case 1:
        recs.push_back(cmd::write_sram(i, tile, kSram0 + pick(18), 1 + pick(2), src));
        break;
      case 2:
        recs.push_back(cmd::read_sram(i, tile, pick(48), 1 + pick(3), dst));
        break;
      case 3:
        recs.push_back(cmd::program_nvm(i, tile, pick(33), 1 + pick(2), src));
        break;
      case 4:
        recs.push_back(cmd::read_wear(i, tile, pick(32), 1 + pick(4), dst));
        break;
      case 5:
        recs.push_back(cmd::emul(i, tile, pick(32), kSram0 + pick(16), dst));
        break;
      default:
        recs.push_back(cmd::mvm(i, tile, pick(8), 1 + pick(24), kSram0 + pick(8), src, dst));
    }
  }
  return recs;
}

template <class Bench>
RunResult run_mixed(Bench& tb) {
  tb.setup(false);
  // Everything but the last 4 KiB of host memory: `outside` is refused.
  tb.map_window(0, Bench::kBase, (1 << 20) - 4096, sd::win_ctrl::kRead | sd::win_ctrl::kWrite);
  std::mt19937 rng(5);
  const auto bytes = random_bytes(rng, 4096);
  std::memcpy(tb.mem(tb.data(0), bytes.size()).data(), bytes.data(), bytes.size());
  RunResult r;
  r.done = tb.run(mixed_stream(tb.data(0), Bench::kBase + (1 << 20) - 64));
  const auto m = tb.mem(tb.data(0), 8192 + 300 * 64);
  r.memory.assign(m.begin(), m.end());
  auto& dev = tb.device();
  const Stats& s = dev.stats();
  for (uint32_t t = 0; t < 2; ++t) {
    for (uint32_t row = 0; row < spec::kSmallTile.rows(); ++row)
      r.rows.push_back(dev.tile(t).peek_row(row));
    for (uint32_t row = 0; row < spec::kSmallTile.nvm_rows; ++row)
      r.wear.push_back(dev.tile(t).peek_wear(row));
    r.tile_cycles.push_back(s.tile(t).work.cycles);
    r.tile_energy.push_back(s.tile(t).work.energy_pj.total());
  }
  const Work total = s.total();
  r.dma_bytes = total.dma_bytes;
  r.macs = total.macs;
  r.activations = total.row_activations;
  r.energy = total.energy_pj.total();
  r.err_code = tb.read(sd::reg::kErrCode);
  r.err_seq = tb.read(sd::reg::kErrSeq);
  r.err_count = tb.read(sd::reg::kErrCount);
  r.cq_count = tb.read(sd::reg::kCqCount);
  r.status = tb.read(sd::reg::kStatus);
  return r;
}

// What the SystemC device did with the mixed stream, sent from the child
// through a pipe as the fixed-size fields the comparison needs.
RunResult systemc_mixed() {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  RunResult got;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    ::close(fds[0]);
    HostBench tb("tb", small_config(2));
    RunResult r = run_mixed(tb);
    auto send = [&](const void* p, size_t n) {
      if (::write(fds[1], p, n) != ssize_t(n)) _exit(2);
    };
    auto send_vec = [&](const auto& v) {
      const uint64_t n = v.size();
      send(&n, sizeof n);
      send(v.data(), n * sizeof v[0]);
    };
    send_vec(r.done);
    send_vec(r.memory);
    for (const auto& row : r.rows) send_vec(row);
    send_vec(r.wear);
    send_vec(r.tile_cycles);
    send_vec(r.tile_energy);
    const uint64_t scalars[] = {r.dma_bytes, r.macs,      r.activations, r.err_code,
                                r.err_seq,   r.err_count, r.cq_count,    r.status};
    send(scalars, sizeof scalars);
    send(&r.energy, sizeof r.energy);
    _exit(0);
  }
  ::close(fds[1]);
  auto recv = [&](void* p, size_t n) {
    size_t got_bytes = 0;
    while (got_bytes < n) {
      const ssize_t k = ::read(fds[0], static_cast<uint8_t*>(p) + got_bytes, n - got_bytes);
      if (k <= 0) throw std::runtime_error("the SystemC child sent too little");
      got_bytes += size_t(k);
    }
  };
  auto recv_vec = [&](auto& v) {
    uint64_t n = 0;
    recv(&n, sizeof n);
    v.resize(n);
    recv(v.data(), n * sizeof v[0]);
  };
  recv_vec(got.done);
  recv_vec(got.memory);
  got.rows.resize(2 * spec::kSmallTile.rows());
  for (auto& row : got.rows) recv_vec(row);
  recv_vec(got.wear);
  recv_vec(got.tile_cycles);
  recv_vec(got.tile_energy);
  uint64_t scalars[8];
  recv(scalars, sizeof scalars);
  recv(&got.energy, sizeof got.energy);
  got.dma_bytes = scalars[0];
  got.macs = scalars[1];
  got.activations = scalars[2];
  got.err_code = uint32_t(scalars[3]);
  got.err_seq = uint32_t(scalars[4]);
  got.err_count = uint32_t(scalars[5]);
  got.cq_count = uint32_t(scalars[6]);
  got.status = uint32_t(scalars[7]);
  ::close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return got;
}

TEST(FunctionalDevice, SameCompletionsStateStatsAndEnergyAsSystemc) {
  FunctionalBench fb(small_config(2));
  const RunResult f = run_mixed(fb);
  const RunResult s = systemc_mixed();
  ASSERT_EQ(f.done.size(), s.done.size());
  size_t refused = 0;
  for (size_t i = 0; i < f.done.size(); ++i) {
    EXPECT_EQ(std::memcmp(&f.done[i], &s.done[i], sizeof f.done[i]), 0)
        << "command " << i << ": status " << f.done[i].status << " cycles " << f.done[i].cycles
        << " vs " << s.done[i].status << " cycles " << s.done[i].cycles;
    refused += f.done[i].status != 0;
  }
  EXPECT_GT(refused, 20u);
  EXPECT_LT(refused, 200u);
  EXPECT_EQ(f.memory, s.memory);
  EXPECT_EQ(f.rows, s.rows);
  EXPECT_EQ(f.wear, s.wear);
  EXPECT_EQ(f.tile_cycles, s.tile_cycles);
  for (size_t t = 0; t < 2; ++t)
    EXPECT_NEAR(f.tile_energy[t], s.tile_energy[t], 1e-9 * s.tile_energy[t]);
  EXPECT_EQ(f.dma_bytes, s.dma_bytes);
  EXPECT_EQ(f.macs, s.macs);
  EXPECT_EQ(f.activations, s.activations);
  EXPECT_NEAR(f.energy, s.energy, 1e-9 * s.energy);
  EXPECT_EQ(f.err_code, s.err_code);
  EXPECT_EQ(f.err_seq, s.err_seq);
  EXPECT_EQ(f.err_count, s.err_count);
  EXPECT_EQ(f.cq_count, s.cq_count);
  EXPECT_EQ(f.status, s.status);
}

// One WRITE_SRAM of one row, alone: fetch (64 B + read latency), the row's DMA
// read (LANES B + latency), one tile cycle, the completion write (16 B). The
// SystemC device charges exactly this when nothing contends for the link.
TEST(FunctionalDevice, TimeFollowsTheDocumentedFormula) {
  const TimingConfig t;
  const double expected = (64 / t.dma_bytes_per_ns + t.dma_latency_ns) +
                          (spec::kSmallTile.lanes / t.dma_bytes_per_ns + t.dma_latency_ns) +
                          1 * t.period_ns() + 16 / t.dma_bytes_per_ns;
  FunctionalBench fb(small_config(2));
  fb.setup();
  EXPECT_EQ(fb.run({cmd::write_sram(1, 0, kSram0, 1, fb.data(0))})[0].cycles, 1u);
  EXPECT_DOUBLE_EQ(fb.device().now_ns(), expected);
  in_child([&] {
    HostBench tb("tb", small_config(2));
    tb.setup();
    tb.run({cmd::write_sram(1, 0, kSram0, 1, tb.data(0))});
    EXPECT_DOUBLE_EQ(Device::now_ns(), expected);
  });
  // Two tiles overlap: the second command's tile starts as soon as it is
  // dispatched, so the run takes less than the two back to back.
  FunctionalBench two(small_config(2));
  two.setup();
  two.run({cmd::program_nvm(1, 0, 0, 2, two.data(0)), cmd::program_nvm(2, 1, 0, 2, two.data(0))});
  const auto& c = two.device().stats().commands();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0].start_ns, c[1].start_ns);
  EXPECT_DOUBLE_EQ(two.device().now_ns(), std::max(c[0].end_ns, c[1].end_ns));
  EXPECT_GT(c[0].end_ns - c[0].start_ns, 2 * t.nvm_program_ns);
}

TEST(FunctionalDevice, FenceWaitsForEveryTile) {
  FunctionalBench fb(small_config(2));
  fb.setup();
  fb.run({cmd::program_nvm(1, 0, 0, 4, fb.data(0)), cmd::fence(2),
          cmd::write_sram(3, 1, kSram0, 1, fb.data(0))});
  const auto& c = fb.device().stats().commands();
  ASSERT_EQ(c.size(), 3u);
  EXPECT_GE(c[1].start_ns, c[0].end_ns);
  EXPECT_GE(c[2].start_ns, c[1].end_ns);
}

TEST(FunctionalDevice, RingFaultHaltsAndResetRecovers) {
  FunctionalBench fb(small_config(1));
  fb.setup(false);  // no window: the fetch itself is refused
  fb.write(sd::reg::kQDoorbell, 1);
  fb.device().run();
  EXPECT_EQ(fb.read(sd::reg::kErrCode), static_cast<uint32_t>(DevStatus::kRingFault));
  EXPECT_NE(fb.read(sd::reg::kStatus) & sd::status::kHalted, 0u);
  fb.write(sd::reg::kReset, sd::kResetKey);
  fb.device().run();
  EXPECT_EQ(fb.read(sd::reg::kStatus) & sd::status::kHalted, 0u);
  EXPECT_EQ(fb.read(sd::reg::kErrCount), 0u);
}

// No SystemC, so no one-per-process rule: several devices of different
// shapes live side by side and go away when destroyed.
TEST(FunctionalDevice, ManyDevicesInOneProcess) {
  std::vector<std::unique_ptr<FunctionalBench>> benches;
  for (uint32_t tiles = 1; tiles <= 4; ++tiles) {
    benches.push_back(std::make_unique<FunctionalBench>(small_config(tiles)));
    benches.back()->setup();
  }
  for (uint32_t i = 0; i < benches.size(); ++i) {
    auto& b = *benches[i];
    const std::vector<uint8_t> row(spec::kSmallTile.lanes, static_cast<uint8_t>(i + 1));
    std::memcpy(b.mem(b.data(0), row.size()).data(), row.data(), row.size());
    const auto done =
        b.run({cmd::write_sram(1, static_cast<uint8_t>(i), kSram0, 1, b.data(0)),
               cmd::write_sram(2, static_cast<uint8_t>(i + 1), kSram0, 1, b.data(0))});
    EXPECT_EQ(status_of(done[0]), DevStatus::kOk);
    EXPECT_EQ(status_of(done[1]), DevStatus::kBadTile) << "tile " << i + 1 << " of " << i + 1;
    EXPECT_EQ(b.device().tile(i).peek_row(kSram0), row);
  }
  benches.clear();
}

}  // namespace
}  // namespace hycim::device::testing
