// The same command stream gives the same completions (status and tile
// cycles), the same host bytes, error log and energy on the functional
// device, the SystemC device and through hycimd: a seeded random mix of every
// opcode, including refused commands (bad tile, wrong row kind, unmapped
// addresses).
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

struct Outcome {
  std::vector<CompletionRecord> completions;
  std::vector<uint8_t> out_bytes;
  ErrorInfo error{};
  Usage usage{};
};

std::vector<CommandRecord> stream(uint64_t in, uint64_t out, uint64_t unmapped, uint32_t seed) {
  std::mt19937 rng(seed);
  const uint32_t lanes = 8, nvm = 32, sram = 16;
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  std::vector<CommandRecord> cmds;
  for (uint32_t i = 0; i < 400; ++i) {
    const uint8_t tile = static_cast<uint8_t>(pick(9) == 0 ? 3 : pick(2));  // 3: BAD_TILE
    const uint64_t dst = pick(15) == 0 ? unmapped : out + pick(64) * 32;
    const uint64_t src = in + pick(32) * 8;
    switch (pick(9)) {
      case 0:
        cmds.push_back(cmd::nop(i));
        break;
      case 1:
        cmds.push_back(cmd::fence(i));
        break;
      case 2:
        cmds.push_back(cmd::write_sram(i, tile, nvm + pick(sram + 2), 1 + pick(2), src));
        break;
      case 3:
        cmds.push_back(cmd::read_sram(i, tile, pick(nvm + sram), 1 + pick(3), dst));
        break;
      case 4:
        cmds.push_back(cmd::program_nvm(i, tile, pick(nvm + 1), 1, src));
        break;
      case 5:
        cmds.push_back(cmd::read_wear(i, tile, pick(nvm), 1 + pick(4), dst));
        break;
      case 6:
        cmds.push_back(cmd::emul(i, tile, pick(nvm), nvm + pick(sram), dst));
        break;
      default:
        cmds.push_back(cmd::mvm(i, tile, pick(8), 1 + pick(3 * lanes), nvm + pick(8), src, dst));
    }
  }
  return cmds;
}

Outcome run_on(const std::string& uri) {
  auto dev = Device::open(uri);
  auto in = dev->alloc(512), out = dev->alloc(4096), unmapped = dev->alloc(64);
  for (size_t i = 0; i < in->size(); ++i) in->bytes()[i] = static_cast<uint8_t>(i * 31 + 7);
  std::memset(out->data(), 0xee, out->size());
  EXPECT_EQ(in->map(HYCIM_ACCESS_READ), Status::kOk);
  EXPECT_EQ(out->map(HYCIM_ACCESS_WRITE), Status::kOk);
  auto q = dev->create_queue(64);
  const auto cmds = stream(in->iova(), out->iova(), unmapped->iova(), 7);
  Outcome o;
  o.completions.resize(cmds.size());
  size_t sent = 0, got = 0;
  while (got < cmds.size()) {
    size_t took = 0, n = 0;
    q->submit(std::span(cmds).subspan(sent, std::min<size_t>(17, cmds.size() - sent)), &took);
    sent += took;
    EXPECT_EQ(q->wait(std::span(o.completions).subspan(got, sent - got), 1, 5000ms, &n),
              Status::kOk);
    got += n;
    if (n == 0) break;
  }
  o.out_bytes.assign(out->bytes().begin(), out->bytes().end());
  dev->read_error(&o.error);
  dev->usage(&o.usage);
  return o;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(a.completions.size(), b.completions.size());
  for (size_t i = 0; i < a.completions.size(); ++i) {
    const auto &x = a.completions[i], &y = b.completions[i];
    EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0)
        << "command " << i << ": status " << x.status << " cycles " << x.cycles << " vs status "
        << y.status << " cycles " << y.cycles;
  }
  EXPECT_EQ(a.out_bytes, b.out_bytes);
  EXPECT_EQ(a.error.code, b.error.code);
  EXPECT_EQ(a.error.seq, b.error.seq);
  EXPECT_EQ(a.error.addr, b.error.addr);
  EXPECT_EQ(a.error.count, b.error.count);
  EXPECT_EQ(a.usage.commands, b.usage.commands);
  EXPECT_EQ(a.usage.tile_cycles, b.usage.tile_cycles);
  EXPECT_EQ(a.usage.macs, b.usage.macs);
  EXPECT_EQ(a.usage.dma_bytes, b.usage.dma_bytes);
  // The same per-command energies, summed in completion order (which SystemC
  // interleaves across tiles): equal up to rounding.
  EXPECT_NEAR(a.usage.energy_total_pj, b.usage.energy_total_pj, 1e-9 * a.usage.energy_total_pj);
  EXPECT_GT(a.usage.energy_total_pj, 0);
}

TEST(DriverBackends, SameStreamSameResults) {
  const Outcome functional = run_on(sim_uri("functional"));
  const Outcome systemc = run_on(sim_uri("systemc"));
  DaemonProcess daemon;
  const Outcome unix = run_on(daemon.uri());
  size_t refused = 0;
  for (const auto& c : functional.completions) refused += c.status != 0;
  EXPECT_GT(refused, 20u);  // the stream exercises the error paths too
  EXPECT_LT(refused, functional.completions.size() - 100);
  expect_same(functional, systemc, "functional vs systemc");
  expect_same(functional, unix, "functional vs unix://");
  // Time is the one thing the timings may differ in; both advance it.
  EXPECT_GT(functional.usage.device_time_ns, 0);
  EXPECT_GT(systemc.usage.device_time_ns, 0);
}

}  // namespace
}  // namespace hycim::driver::test
