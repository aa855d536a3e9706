// Per-context usage (Device::usage, hycim_get_usage) on both backends: the
// exact counts of a known MVM stream, its energy by the device's own model
// (both backends run the default timing), contexts that see only their own
// work, and the C API reporting what the C++ API reports.
#include <bit>
#include <cstring>
#include <numeric>
#include <random>

#include "driver/lib/queue_layout.hpp"
#include "sim/device/timing_config.hpp"
#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

// K weight rows programmed into tile 0, then N MVMs of the same K inputs.
constexpr uint32_t kK = 12, kN = 5;
constexpr uint64_t kRingBytes = sizeof(CommandRecord) + sizeof(CompletionRecord);

struct MvmStream {
  std::vector<int8_t> w, x;
  std::unique_ptr<Buffer> weights, input, result;
  std::vector<CommandRecord> cmds;

  MvmStream(Device& d, uint32_t seed) {
    const uint32_t lanes = d.capabilities().lanes, sram0 = d.capabilities().nvm_rows;
    std::mt19937 rng(seed);
    w.resize(kK * lanes);
    x.resize(kK);
    for (auto& v : w) v = static_cast<int8_t>(rng());
    for (auto& v : x) v = static_cast<int8_t>(rng());
    weights = d.alloc(w.size());
    input = d.alloc(x.size());
    result = d.alloc(lanes * 4);
    std::memcpy(weights->data(), w.data(), w.size());
    std::memcpy(input->data(), x.data(), x.size());
    EXPECT_EQ(weights->map(HYCIM_ACCESS_READ), Status::kOk);
    EXPECT_EQ(input->map(HYCIM_ACCESS_READ), Status::kOk);
    EXPECT_EQ(result->map(HYCIM_ACCESS_WRITE), Status::kOk);
    cmds.push_back(cmd::program_nvm(0, 0, 0, kK, weights->iova()));
    for (uint32_t i = 1; i <= kN; ++i)
      cmds.push_back(cmd::mvm(i, 0, 0, kK, sram0, input->iova(), result->iova()));
  }

  // Rows raised by one MVM: one per set input bit (8-bit inputs).
  uint64_t raised_per_mvm() const {
    uint64_t n = 0;
    for (int8_t v : x) n += std::popcount(static_cast<uint8_t>(v));
    return n;
  }
  // Weight bits entering the adder trees in one MVM: each raised row feeds
  // its 1 bits, once per set bit of its input.
  uint64_t weight_ones_per_mvm(uint32_t lanes) const {
    uint64_t n = 0;
    for (uint32_t k = 0; k < kK; ++k) {
      uint64_t row = 0;
      for (uint32_t l = 0; l < lanes; ++l)
        row += std::popcount(static_cast<uint8_t>(w[k * lanes + l]));
      n += row * std::popcount(static_cast<uint8_t>(x[k]));
    }
    return n;
  }
};

uint64_t cycles_of(const std::vector<CompletionRecord>& done) {
  uint64_t n = 0;
  for (const auto& c : done) n += c.cycles;
  return n;
}

TEST_P(DriverApi, UsageCountsAKnownMvmStream) {
  Usage before{};
  ASSERT_EQ(dev_->usage(&before), Status::kOk);
  // A fresh context: nothing of earlier contexts on the same device.
  EXPECT_EQ(before.commands, 0u);
  EXPECT_EQ(before.dma_bytes, 0u);
  EXPECT_EQ(before.energy_total_pj, 0.0);

  const uint32_t lanes = dev_->capabilities().lanes;
  MvmStream s(*dev_, 7);
  auto q = dev_->create_queue(16);
  const auto done = run(*q, s.cmds);
  ASSERT_EQ(done.size(), kN + 1);
  for (const auto& c : done) EXPECT_EQ(c.status, 0) << c.seq;
  Usage u{};
  ASSERT_EQ(dev_->usage(&u), Status::kOk);

  EXPECT_EQ(u.commands, kN + 1);
  EXPECT_EQ(u.tile_cycles, cycles_of(done));
  EXPECT_GT(u.tile_cycles, 0u);
  EXPECT_EQ(u.macs, uint64_t{kN} * kK * lanes);
  EXPECT_EQ(u.nvm_programs, kK);
  EXPECT_EQ(u.row_activations, kN * s.raised_per_mvm());
  // Weights in; per MVM inputs in and int32 lanes out; every command fetched
  // and its completion written.
  EXPECT_EQ(u.dma_bytes, uint64_t{kK} * lanes + kN * (kK + 4 * lanes) + (kN + 1) * kRingBytes);

  const device::EnergyPj e;
  const uint32_t input_rows = (kK + lanes - 1) / lanes;
  auto near = [](double got, double want) { EXPECT_NEAR(got, want, 1e-9 * want); };
  near(u.energy_dma_pj, double(u.dma_bytes) * e.dma_byte);
  near(u.energy_nvm_program_pj, double(kK) * lanes * e.nvm_program_byte);
  near(u.energy_array_pj, double(u.row_activations) * lanes * e.lane_add +
                              double(kN * s.weight_ones_per_mvm(lanes)) * e.weight_one);
  near(u.energy_shift_add_pj, double(kN) * 8 * lanes * e.shift_add);
  // Each input row written into SRAM, then latched by the MVM.
  near(u.energy_sram_pj, double(kN) * 2 * input_rows * lanes * e.sram_byte);
  EXPECT_EQ(u.energy_total_pj, u.energy_array_pj + u.energy_shift_add_pj + u.energy_sram_pj +
                                   u.energy_nvm_program_pj + u.energy_dma_pj + u.energy_ecc_pj);
  // No fault model on this device: its cells never fail and nothing checks them.
  EXPECT_EQ(u.ecc_corrected + u.ecc_uncorrectable + u.nvm_program_retries + u.nvm_scrubbed_rows +
                u.nvm_remapped_rows,
            0u);
  EXPECT_EQ(u.energy_ecc_pj, 0.0);
  EXPECT_GT(u.device_time_ns, before.device_time_ns);

  // Counters only grow; reading them changes nothing.
  Usage again{};
  ASSERT_EQ(dev_->usage(&again), Status::kOk);
  EXPECT_EQ(again.commands, u.commands);
  EXPECT_EQ(again.energy_total_pj, u.energy_total_pj);
  EXPECT_GE(again.device_time_ns, u.device_time_ns);
}

// The counters the engine leaves in a queue's memory with each batch are
// the context's, exactly as a USAGE request returns them right after.
TEST_P(DriverApi, QueueCarriesTheUsageOfItsLastBatch) {
  MvmStream s(*dev_, 5);
  auto q = dev_->create_queue(16);
  Usage snap{};
  EXPECT_FALSE(q->last_usage(&snap));  // no batch yet: ask the device
  ASSERT_EQ(run(*q, s.cmds).size(), kN + 1);
  ASSERT_TRUE(q->last_usage(&snap));
  Usage asked{};
  ASSERT_EQ(dev_->usage(&asked), Status::kOk);
  EXPECT_EQ(std::memcmp(&snap, &asked, sizeof snap), 0);
  EXPECT_EQ(snap.commands, kN + 1);
  EXPECT_EQ(snap.energy_total_pj, usage_energy_total(snap));

  // Another queue's batch moves the context's counters; this queue's copy
  // stays what its own last batch left, and the other queue's has both.
  auto q2 = dev_->create_queue(8);
  ASSERT_EQ(run(*q2, {cmd::nop(1), cmd::nop(2)}).size(), 2u);
  Usage first{}, second{};
  ASSERT_TRUE(q->last_usage(&first));
  ASSERT_TRUE(q2->last_usage(&second));
  EXPECT_EQ(first.commands, kN + 1);
  EXPECT_EQ(second.commands, kN + 3);
  EXPECT_EQ(second.dma_bytes, first.dma_bytes + 2 * kRingBytes);
}

TEST(QueueLayout, UsageSnapshotIsReadWholeOrNotAtAll) {
  UsageSnapshot snap{};
  Usage u{};
  EXPECT_FALSE(read_usage(snap, &u));  // never written
  Usage w{};
  w.commands = 7;
  w.energy_total_pj = 2.5;
  w.nvm_remapped_rows = 3;  // the last field
  write_usage(snap, w);
  ASSERT_TRUE(read_usage(snap, &u));
  EXPECT_EQ(std::memcmp(&u, &w, sizeof u), 0);
  EXPECT_EQ(snap.seq.load(), 2u);
  // A writer that stopped half-way (a daemon killed there) leaves the
  // sequence odd: the reader gives up and the caller asks the device.
  snap.seq.store(3);
  u = {};
  EXPECT_FALSE(read_usage(snap, &u));
  EXPECT_EQ(u.commands, 0u);
}

TEST_P(DriverApi, UsageIsPerContext) {
  auto other = open();
  MvmStream s(*other, 3);
  auto oq = other->create_queue(16);
  auto q = dev_->create_queue(8);
  ASSERT_EQ(run(*oq, s.cmds).size(), kN + 1);
  ASSERT_EQ(run(*q, {cmd::nop(1), cmd::nop(2), cmd::nop(3)}).size(), 3u);

  Usage mine{}, theirs{}, third{};
  ASSERT_EQ(dev_->usage(&mine), Status::kOk);
  ASSERT_EQ(other->usage(&theirs), Status::kOk);
  // Three NOPs: no tile work, only their fetches and completions.
  EXPECT_EQ(mine.commands, 3u);
  EXPECT_EQ(mine.tile_cycles, 0u);
  EXPECT_EQ(mine.macs, 0u);
  EXPECT_EQ(mine.nvm_programs, 0u);
  EXPECT_EQ(mine.dma_bytes, 3 * kRingBytes);
  EXPECT_EQ(mine.energy_total_pj, mine.energy_dma_pj);
  EXPECT_EQ(theirs.commands, kN + 1);
  EXPECT_EQ(theirs.macs, uint64_t{kN} * kK * dev_->capabilities().lanes);
  // One device-wide clock, read later.
  EXPECT_GE(theirs.device_time_ns, mine.device_time_ns);
  ASSERT_EQ(open()->usage(&third), Status::kOk);
  EXPECT_EQ(third.commands, 0u);
  EXPECT_EQ(third.energy_total_pj, 0.0);
  EXPECT_GE(third.device_time_ns, theirs.device_time_ns);
}

TEST_P(DriverApi, CApiReportsWhatCppReports) {
  // The same stream on a C++ context and a C context (same IOVAs: each
  // context's address space starts at the same place) does the same work.
  MvmStream s(*dev_, 11);
  auto q = dev_->create_queue(16);
  ASSERT_EQ(run(*q, s.cmds).size(), kN + 1);
  Usage cpp{};
  ASSERT_EQ(dev_->usage(&cpp), Status::kOk);

  hycim_device* c = nullptr;
  ASSERT_EQ(hycim_open_device(uri_.c_str(), &c), HYCIM_OK);
  hycim_buffer* bufs[3] = {};
  const size_t sizes[3] = {s.w.size(), s.x.size(), s.result->size()};
  const unsigned access[3] = {HYCIM_ACCESS_READ, HYCIM_ACCESS_READ, HYCIM_ACCESS_WRITE};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(hycim_alloc_buffer(c, sizes[i], &bufs[i]), HYCIM_OK);
    ASSERT_EQ(hycim_map_buffer(bufs[i], access[i]), HYCIM_OK);
  }
  ASSERT_EQ(hycim_get_buffer_iova(bufs[0]), s.weights->iova());
  ASSERT_EQ(hycim_get_buffer_iova(bufs[2]), s.result->iova());
  std::memcpy(hycim_get_buffer_data(bufs[0]), s.w.data(), s.w.size());
  std::memcpy(hycim_get_buffer_data(bufs[1]), s.x.data(), s.x.size());
  hycim_queue* cq = nullptr;
  ASSERT_EQ(hycim_create_queue(c, 16, &cq), HYCIM_OK);
  std::vector<hycim_command> cmds(s.cmds.size());
  std::memcpy(cmds.data(), s.cmds.data(), cmds.size() * sizeof cmds[0]);
  size_t accepted = 0, n = 0;
  ASSERT_EQ(hycim_submit_commands(cq, cmds.data(), cmds.size(), &accepted), HYCIM_OK);
  std::vector<hycim_completion> done(cmds.size());
  ASSERT_EQ(hycim_wait_completions(cq, done.data(), done.size(), done.size(), 5000, &n), HYCIM_OK);
  ASSERT_EQ(n, cmds.size());

  hycim_usage u;
  EXPECT_EQ(hycim_get_usage(c, nullptr), HYCIM_E_INVALID);
  EXPECT_EQ(hycim_get_usage(nullptr, &u), HYCIM_E_INVALID);
  ASSERT_EQ(hycim_get_usage(c, &u), HYCIM_OK);
  EXPECT_EQ(u.commands, cpp.commands);
  EXPECT_EQ(u.tile_cycles, cpp.tile_cycles);
  EXPECT_EQ(u.macs, cpp.macs);
  EXPECT_EQ(u.row_activations, cpp.row_activations);
  EXPECT_EQ(u.nvm_programs, cpp.nvm_programs);
  EXPECT_EQ(u.dma_bytes, cpp.dma_bytes);
  EXPECT_DOUBLE_EQ(u.energy_array_pj, cpp.energy_array_pj);
  EXPECT_DOUBLE_EQ(u.energy_shift_add_pj, cpp.energy_shift_add_pj);
  EXPECT_DOUBLE_EQ(u.energy_sram_pj, cpp.energy_sram_pj);
  EXPECT_DOUBLE_EQ(u.energy_nvm_program_pj, cpp.energy_nvm_program_pj);
  EXPECT_DOUBLE_EQ(u.energy_dma_pj, cpp.energy_dma_pj);
  EXPECT_DOUBLE_EQ(u.energy_ecc_pj, cpp.energy_ecc_pj);
  EXPECT_EQ(u.energy_total_pj, u.energy_array_pj + u.energy_shift_add_pj + u.energy_sram_pj +
                                   u.energy_nvm_program_pj + u.energy_dma_pj + u.energy_ecc_pj);
  EXPECT_GT(u.device_time_ns, cpp.device_time_ns);  // it ran after

  hycim_destroy_queue(cq);
  for (auto* b : bufs) hycim_free_buffer(b);
  hycim_close_device(c);
}

}  // namespace
}  // namespace hycim::driver::test
