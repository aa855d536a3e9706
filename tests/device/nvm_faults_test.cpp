// A device whose NVM fails (DeviceConfig::faults), on the functional device:
// with ECC every MVM result is the right one or the command is refused naming
// tile and row (never a silent wrong answer); without ECC the same faults
// give wrong results (so the first test can fail); write-verify repeats
// pulses until the cells take a row, and a row they never take fails
// PROGRAM_NVM naming it; an image keeps its fault setup and age.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "sim/device/device_error.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/device/functional_bench.hpp"

namespace hycim::device::testing {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kLanes = 8, kNvmRows = 32, kSram0 = 32;  // the small tile

tech::NvmFaults model(double wer, double read_disturb, double stuck = 0) {
  return tech::NvmFaults::from_json(
      {{"name", "test"},
       {"stuck_at_0", stuck},
       {"stuck_at_1", stuck},
       {"retention", {{"ea_ev", 1.0}, {"ber", 1e-12}, {"time_s", 1e9}, {"temp_c", 85.0}}},
       {"read_disturb", read_disturb},
       {"write_error_rate", wer},
       {"endurance", 1e9}});
}

DeviceConfig faulty(tech::NvmFaults m, nvm::Protection ecc, uint32_t retries = 3) {
  DeviceConfig c = small_config(2);
  FaultConfig f;
  f.setup = {std::move(m), 9, ecc};
  f.model_ref = "test";
  f.verify_retries = retries;
  c.faults = f;
  return c;
}

std::vector<std::vector<int64_t>> signed_rows(const std::vector<uint8_t>& w, uint32_t rows) {
  std::vector<std::vector<int64_t>> out(rows, std::vector<int64_t>(kLanes));
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t l = 0; l < kLanes; ++l) out[r][l] = int8_t(w[r * kLanes + l]);
  return out;
}

struct MvmRun {
  uint32_t right = 0, wrong = 0, refused = 0;
  uint32_t refused_tile = 0, refused_row = 0, refused_after = 0;  // MVMs issued
};

// Programs all NVM rows of tile 1 with random weights, then MVMs over them
// until one is refused or `limit` have run; checks each result against the
// programmed weights.
MvmRun mvm_until_refused(FunctionalBench& b, uint32_t limit) {
  std::mt19937 rng(5);
  const std::vector<uint8_t> w = random_bytes(rng, kNvmRows * kLanes);
  put(b, b.data(0), w);
  const auto done = b.run({cmd::program_nvm(0, 1, 0, kNvmRows, b.data(0))});
  EXPECT_EQ(status_of(done[0]), DevStatus::kOk);
  const auto weights = signed_rows(w, kNvmRows);
  MvmRun run;
  for (uint32_t i = 0; i < limit; ++i) {
    const std::vector<uint8_t> x = random_bytes(rng, kNvmRows);
    put(b, b.data(4096), x);
    const auto c = b.run({cmd::mvm(1 + i, 1, 0, kNvmRows, kSram0, b.data(4096), b.data(8192))});
    if (status_of(c[0]) != DevStatus::kOk) {
      EXPECT_EQ(status_of(c[0]), DevStatus::kNvmUncorrectable);
      EXPECT_EQ(b.read(sd::reg::kErrCode), uint32_t(DevStatus::kNvmUncorrectable));
      EXPECT_EQ(b.read(sd::reg::kErrSeq), 1 + i);
      run.refused_tile = b.read(sd::reg::kErrAddrHi);
      run.refused_row = b.read(sd::reg::kErrAddrLo);
      run.refused_after = i + 1;
      ++run.refused;
      break;
    }
    std::vector<int64_t> xs(kNvmRows);
    for (uint32_t k = 0; k < kNvmRows; ++k) xs[k] = int8_t(x[k]);
    const auto want = tile::reference::mvm(weights, xs);
    const auto got = get_lanes(b, b.data(8192), kLanes);
    (std::equal(want.begin(), want.end(), got.begin()) ? run.right : run.wrong) += 1;
  }
  return run;
}

TEST(DeviceNvmFaults, WithEccEveryMvmIsRightOrRefusedNamingTileAndRow) {
  const tech::NvmFaults m = model(0, 5e-4);
  FunctionalBench b(faulty(m, nvm::Protection::kSecded));
  b.setup();
  const MvmRun run = mvm_until_refused(b, 400);
  EXPECT_EQ(run.wrong, 0u) << "a result computed from bad bits";
  EXPECT_GT(run.right, 0u);
  ASSERT_EQ(run.refused, 1u) << "read disturb at 5e-4 a read must break a row within 400 reads";
  EXPECT_EQ(run.refused_tile, 1u);
  EXPECT_GT(b.device().stats().total().ecc.corrected, 0u) << "no single error was ever corrected";
  EXPECT_EQ(b.device().stats().total().ecc.uncorrectable, 1u);
  // The named row is one the fault model itself calls uncorrectable after that
  // many reads (computed here without the device).
  const nvm::CellFaults f({m, 9, nvm::Protection::kSecded}, kLanes, 8);
  std::vector<uint8_t> programmed(kLanes);
  std::mt19937 rng(5);
  const std::vector<uint8_t> w = random_bytes(rng, kNvmRows * kLanes);
  std::copy_n(w.begin() + run.refused_row * kLanes, kLanes, programmed.begin());
  nvm::SensedRow s;
  f.sense(1, run.refused_row, programmed, 1, run.refused_after * m.read_hazard(), s);
  EXPECT_EQ(s.health, nvm::RowHealth::kUncorrectable) << "row " << run.refused_row;
}

TEST(DeviceNvmFaults, WithoutEccTheSameFaultsGiveWrongAnswersWithoutAWord) {
  FunctionalBench b(faulty(model(0, 5e-4), nvm::Protection::kNone));
  b.setup();
  const MvmRun run = mvm_until_refused(b, 200);
  EXPECT_EQ(run.refused, 0u) << "without ECC the device cannot tell";
  EXPECT_GT(run.wrong, 0u);
}

TEST(DeviceNvmFaults, WriteVerifyRepeatsPulsesUntilTheCellsTakeEachRow) {
  FunctionalBench b(faulty(model(0.005, 0), nvm::Protection::kNone, 6));
  b.setup();
  std::mt19937 rng(3);
  const std::vector<uint8_t> w = random_bytes(rng, 16 * kLanes);
  put(b, b.data(0), w);
  const auto done =
      b.run({cmd::program_nvm(0, 0, 0, 16, b.data(0)), cmd::read_sram(1, 0, 0, 16, b.data(4096)),
             cmd::read_wear(2, 0, 0, 16, b.data(8192))});
  ASSERT_EQ(status_of(done[0]), DevStatus::kOk);
  EXPECT_EQ(get(b, b.data(4096), w.size()), w) << "verified rows read back exactly";
  const uint64_t retries = b.device().stats().total().ecc.retries;
  EXPECT_GT(retries, 0u) << "at 0.5 % a bit, some of 16 rows of 64 cells need a second pulse";
  uint64_t wear = 0;
  for (uint32_t r = 0; r < 16; ++r) wear += get(b, b.data(8192 + 4 * r), 1)[0];
  EXPECT_EQ(wear, 16 + retries) << "every pulse wears the row";
  EXPECT_EQ(b.device().stats().total().nvm_programs, 16 + retries);
}

TEST(DeviceNvmFaults, ARowTheCellsNeverTakeFailsProgramNvmNamingIt) {
  FunctionalBench b(faulty(model(0.02, 0), nvm::Protection::kNone, 0));
  b.setup();
  std::mt19937 rng(3);
  put(b, b.data(0), random_bytes(rng, 16 * kLanes));
  const auto done = b.run({cmd::program_nvm(0, 1, 0, 16, b.data(0))});
  ASSERT_EQ(status_of(done[0]), DevStatus::kNvmProgramFailed);
  EXPECT_EQ(b.read(sd::reg::kErrAddrHi), 1u);
  EXPECT_LT(b.read(sd::reg::kErrAddrLo), 16u);
}

TEST(DeviceNvmFaults, AnImageKeepsItsFaultSetupAndItsAge) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hycim_faults_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto image = dir / "f.nvm";
  DeviceConfig c = faulty(model(0, 0), nvm::Protection::kSecded);
  c.nvm_image = image;
  std::mt19937 rng(5);
  const std::vector<uint8_t> w = random_bytes(rng, kNvmRows * kLanes);
  {
    FunctionalBench b(c);
    b.setup();
    put(b, b.data(0), w);
    ASSERT_EQ(status_of(b.run({cmd::program_nvm(0, 1, 0, kNvmRows, b.data(0))})[0]),
              DevStatus::kOk);
  }
  DeviceConfig plain = c;
  plain.faults.reset();
  {
    FunctionalBench b(plain);  // takes the image's setup
    ASSERT_TRUE(b.device().config().faults);
    EXPECT_EQ(b.device().config().faults->setup.seed, 9u);
  }
  DeviceConfig other = c;
  other.faults->setup.seed = 10;
  EXPECT_THAT([&] { FunctionalBench b(other); },
              ::testing::ThrowsMessage<DeviceError>(HasSubstr("was created with faults test")));
  {
    // Age the image by a hazard of 0.05 a cell: 72 cells a row, so most of 32
    // rows hold a bad cell and some two; an MVM over them is refused.
    nvm::NvmImage img = nvm::NvmImage::open(image);
    img.set_age({img.age().clock + 0.05, img.age().seconds + 3600});
  }
  {
    FunctionalBench b(plain);
    b.setup();
    put(b, b.data(4096), random_bytes(rng, kNvmRows));
    const auto done = b.run({cmd::mvm(0, 1, 0, kNvmRows, kSram0, b.data(4096), b.data(8192))});
    EXPECT_EQ(status_of(done[0]), DevStatus::kNvmUncorrectable);
    EXPECT_GT(b.device().stats().total().ecc.corrected, 0u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hycim::device::testing
