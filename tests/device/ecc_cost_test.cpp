// What the NVM rows' SEC-DED costs the device (docs/device.md, "NVM faults,
// ECC and ageing", "Cost of the protection"): the same commands on a device
// without faults and on one whose fault model never fails (every rate 0)
// differ by exactly the code's energy and decode cycles, and with `ecc: none`
// by nothing but write-verify's SYNCs.
#include <gtest/gtest.h>

#include <bit>
#include <random>

#include "tests/device/functional_bench.hpp"

namespace hycim::device::testing {
namespace {

constexpr uint32_t kLanes = 8, kNvmRows = 32, kSram0 = 32;  // the small tile

DeviceConfig with_faults(nvm::Protection ecc) {
  DeviceConfig c = small_config(1);
  FaultConfig f;
  f.setup = {tech::NvmFaults::from_json(
                 {{"name", "never"},
                  {"stuck_at_0", 0},
                  {"stuck_at_1", 0},
                  {"retention", {{"ea_ev", 1.0}, {"ber", 0.0}, {"time_s", 1e9}, {"temp_c", 85.0}}},
                  {"read_disturb", 0},
                  {"write_error_rate", 0},
                  {"endurance", 1e9}}),
             1, ecc};
  f.model_ref = "never";
  c.faults = f;
  return c;
}

struct Stream {
  std::vector<uint8_t> w, x;
};

Stream random_stream() {
  std::mt19937 rng(11);
  return {random_bytes(rng, kNvmRows * kLanes), random_bytes(rng, kNvmRows)};
}

// PROGRAM_NVM of every NVM row, an MVM over them, an EMUL of row 5, a
// READ_SRAM of 4 NVM rows and one of 2 SRAM rows: the per-command stats.
std::vector<CommandStats> run_stream(const DeviceConfig& config, const Stream& s) {
  FunctionalBench b(config);
  b.setup();
  put(b, b.data(0), s.w);
  put(b, b.data(4096), s.x);
  const auto done =
      b.run({cmd::program_nvm(0, 0, 0, kNvmRows, b.data(0)),
             cmd::mvm(1, 0, 0, kNvmRows, kSram0, b.data(4096), b.data(8192)),
             cmd::emul(2, 0, 5, kSram0, b.data(8192)), cmd::read_sram(3, 0, 8, 4, b.data(12288)),
             cmd::read_sram(4, 0, kSram0, 2, b.data(12288))});
  for (const auto& c : done) EXPECT_EQ(status_of(c), DevStatus::kOk);
  const auto& cmds = b.device().stats().commands();
  return {cmds.begin(), cmds.end()};
}

double duration(const CommandStats& c) {
  return c.end_ns - c.start_ns;
}

// Everything but the ECC's own energy.
void expect_same_other_energy(const Energy& a, const Energy& b) {
  EXPECT_DOUBLE_EQ(a.array, b.array);
  EXPECT_DOUBLE_EQ(a.shift_add, b.shift_add);
  EXPECT_DOUBLE_EQ(a.sram, b.sram);
  EXPECT_DOUBLE_EQ(a.nvm_program, b.nvm_program);
  EXPECT_DOUBLE_EQ(a.dma, b.dma);
}

TEST(DeviceEccCost, SecdedCostsItsEnergyAndOneDecodeCycleAMvm) {
  const Stream s = random_stream();
  const std::vector<CommandStats> plain = run_stream(small_config(1), s);
  const DeviceConfig config = with_faults(nvm::Protection::kSecded);
  const std::vector<CommandStats> ecc = run_stream(config, s);
  ASSERT_EQ(plain.size(), 5u);
  ASSERT_EQ(ecc.size(), 5u);
  const EnergyPj& e = config.timing.energy_pj;
  const double period = config.timing.period_ns();
  const uint64_t decode = uint64_t(config.timing.ecc_decode_cycles);
  ASSERT_EQ(decode, 1u);
  for (size_t i = 0; i < plain.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(plain[i].work.energy_pj.ecc, 0);
    expect_same_other_energy(plain[i].work.energy_pj, ecc[i].work.energy_pj);
  }
  // PROGRAM_NVM: each row's one pulse programs its check cells through the encoder.
  EXPECT_NEAR(ecc[0].work.energy_pj.ecc, kNvmRows * e.ecc_row_program,
              1e-12 * kNvmRows * e.ecc_row_program);  // summed row by row
  // MVM: every raised row, in every plane, reads its check cells and decodes.
  uint64_t raised = 0;
  for (uint8_t x : s.x) raised += std::popcount(x);
  EXPECT_DOUBLE_EQ(ecc[1].work.energy_pj.ecc, double(raised) * e.ecc_row_read);
  EXPECT_EQ(ecc[1].work.cycles, plain[1].work.cycles + decode);
  EXPECT_NEAR(duration(ecc[1]), duration(plain[1]) + decode * period, 1e-9);
  // EMUL: its NVM row through the decoder in each of the 8 planes.
  EXPECT_DOUBLE_EQ(ecc[2].work.energy_pj.ecc, 8 * e.ecc_row_read);
  EXPECT_EQ(ecc[2].work.cycles, plain[2].work.cycles + decode);
  // READ_SRAM of NVM rows: each decoded once; of SRAM rows: no code.
  EXPECT_DOUBLE_EQ(ecc[3].work.energy_pj.ecc, 4 * e.ecc_row_read);
  EXPECT_EQ(ecc[3].work.cycles, plain[3].work.cycles + decode);
  EXPECT_EQ(ecc[4].work.energy_pj.ecc, 0);
  EXPECT_EQ(ecc[4].work.cycles, plain[4].work.cycles);
}

TEST(DeviceEccCost, WithoutEccTheCellsCostNothingButWriteVerify) {
  const Stream s = random_stream();
  const std::vector<CommandStats> plain = run_stream(small_config(1), s);
  const std::vector<CommandStats> raw = run_stream(with_faults(nvm::Protection::kNone), s);
  ASSERT_EQ(raw.size(), 5u);
  for (size_t i = 0; i < plain.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(raw[i].work.energy_pj.ecc, 0);
    expect_same_other_energy(plain[i].work.energy_pj, raw[i].work.energy_pj);
    if (i > 0) {
      EXPECT_EQ(raw[i].work.cycles, plain[i].work.cycles);
    }
  }
  EXPECT_GT(raw[0].work.cycles, plain[0].work.cycles) << "a SYNC after each row's pulse";
}

TEST(DeviceEccCost, TheDecodeLatencyIsTheTimingsOwn) {
  const Stream s = random_stream();
  DeviceConfig one = with_faults(nvm::Protection::kSecded), three = one, none = one;
  three.timing.ecc_decode_cycles = 3;
  none.timing.ecc_decode_cycles = 0;
  const auto a = run_stream(one, s), b = run_stream(three, s), c = run_stream(none, s);
  EXPECT_EQ(b[1].work.cycles, a[1].work.cycles + 2);
  EXPECT_EQ(c[1].work.cycles + 1, a[1].work.cycles);
}

}  // namespace
}  // namespace hycim::device::testing
