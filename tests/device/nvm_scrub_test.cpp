// Scrubbing, on the functional device: SCRUB programs again exactly the rows
// the ECC corrected (the cell model, asked directly, says which) and leaves
// them clean, costs one wear each, and names the first uncorrectable row;
// a second SCRUB finds nothing to do. Powered ageing with a background scrub
// keeps rows correctable that the same time unpowered makes uncorrectable.
#include <gtest/gtest.h>

#include <random>

#include "sim/nvm/nvm_image.hpp"
#include "tests/device/functional_bench.hpp"

namespace hycim::device::testing {
namespace {

constexpr uint32_t kLanes = 8, kNvmRows = 32, kTile = 1;  // the small tile, 2 tiles

// Retention only: ber of `ber` after 1e6 s at 85 C, nothing else fails.
tech::NvmFaults retention_only(double ber) {
  return tech::NvmFaults::from_json(
      {{"name", "retention"},
       {"stuck_at_0", 0.0},
       {"stuck_at_1", 0.0},
       {"retention", {{"ea_ev", 1.0}, {"ber", ber}, {"time_s", 1e6}, {"temp_c", 85.0}}},
       {"read_disturb", 0.0},
       {"write_error_rate", 0.0},
       {"endurance", 1e9}});
}

class Scrub : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hycim_scrub_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    config_ = small_config(2);
    config_.nvm_image = dir_ / "s.nvm";
    FaultConfig f;
    f.setup = {retention_only(0.01), 3, nvm::Protection::kSecded};
    f.model_ref = "retention";
    config_.faults = f;
    std::mt19937 rng(7);
    weights_ = random_bytes(rng, kNvmRows * kLanes);
    FunctionalBench b(config_);
    b.setup();
    put(b, b.data(0), weights_);
    ASSERT_EQ(status_of(b.run({cmd::program_nvm(0, kTile, 0, kNvmRows, b.data(0))})[0]),
              DevStatus::kOk);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::span<const uint8_t> row(uint32_t r) const {
    return std::span(weights_).subspan(r * kLanes, kLanes);
  }
  // How each row of tile kTile reads after `hazard` since its program, by
  // the cell model itself.
  std::vector<nvm::RowHealth> expected_health(double hazard) const {
    const nvm::CellFaults cells(config_.faults->setup, kLanes, 8);
    std::vector<nvm::RowHealth> out;
    nvm::SensedRow s;
    for (uint32_t r = 0; r < kNvmRows; ++r) {
      cells.sense(kTile, r, row(r), 1, hazard, s);
      out.push_back(s.health);
    }
    return out;
  }

  std::filesystem::path dir_;
  DeviceConfig config_;
  std::vector<uint8_t> weights_;
};

TEST_F(Scrub, ProgramsAgainExactlyTheRowsTheEccCorrected) {
  // A hazard of 0.01 a cell: 72 cells a row, so about a third of the rows
  // hold one bad cell and some two.
  constexpr double kHazard = 0.01;
  {
    nvm::NvmImage img = nvm::NvmImage::open(config_.nvm_image);
    img.set_age({img.age().clock + kHazard, img.age().seconds + 1});
  }
  const auto health = expected_health(kHazard);
  const auto count = [&](nvm::RowHealth h) {
    return uint64_t(std::count(health.begin(), health.end(), h));
  };
  const uint64_t corrected = count(nvm::RowHealth::kCorrected);
  const uint64_t bad = count(nvm::RowHealth::kUncorrectable);
  ASSERT_GT(corrected, 0u) << "no row to scrub: the test shows nothing";
  ASSERT_GT(bad, 0u);
  const uint32_t first_bad = uint32_t(
      std::find(health.begin(), health.end(), nvm::RowHealth::kUncorrectable) - health.begin());

  FunctionalBench b(config_);
  b.setup();
  const auto done = b.run({cmd::scrub(1, kTile, 0, kNvmRows)});
  EXPECT_EQ(status_of(done[0]), DevStatus::kNvmUncorrectable);
  EXPECT_EQ(b.read(sd::reg::kErrAddrHi), kTile);
  EXPECT_EQ(b.read(sd::reg::kErrAddrLo), first_bad);
  const EccCounts ecc = b.device().stats().total().ecc;
  EXPECT_EQ(ecc.corrected, corrected);
  EXPECT_EQ(ecc.uncorrectable, bad);
  EXPECT_EQ(ecc.scrubbed, corrected);
  EXPECT_EQ(b.device().stats().total().nvm_programs, corrected);
  // One read cycle a programmed row, then READ_ROW, PROGRAM_NVM and the
  // write-verify SYNC for each corrected row, and a SYNC at the end.
  EXPECT_GE(done[0].cycles, kNvmRows + corrected * 3);

  const auto w = b.wear(kTile, kNvmRows);
  for (uint32_t r = 0; r < kNvmRows; ++r)
    EXPECT_EQ(w[r], health[r] == nvm::RowHealth::kCorrected ? 2u : 1u) << "row " << r;
  // Scrubbed rows read clean now: a second SCRUB corrects and programs nothing.
  const auto again = b.run({cmd::scrub(2, kTile, 0, kNvmRows)});
  EXPECT_EQ(status_of(again[0]), DevStatus::kNvmUncorrectable);
  EXPECT_EQ(b.device().stats().total().ecc.scrubbed, corrected);
  EXPECT_EQ(b.device().stats().total().ecc.corrected, corrected);
  for (uint32_t r = 0; r < kNvmRows; ++r) {
    if (health[r] == nvm::RowHealth::kUncorrectable) continue;
    EXPECT_EQ(b.device().tile(kTile).peek_row(r),
              std::vector<uint8_t>(row(r).begin(), row(r).end()))
        << "row " << r;
  }
}

TEST_F(Scrub, WithoutFaultsOrOutsideTheNvmRows) {
  DeviceConfig plain = small_config(2);
  FunctionalBench b(plain);
  b.setup();
  put(b, b.data(0), weights_);
  ASSERT_EQ(status_of(b.run({cmd::program_nvm(0, kTile, 0, 4, b.data(0))})[0]), DevStatus::kOk);
  const auto done = b.run(
      {cmd::scrub(1, kTile, 0, kNvmRows), cmd::scrub(2, kTile, 30, 3), cmd::scrub(3, 2, 0, 1)});
  EXPECT_EQ(status_of(done[0]), DevStatus::kOk);
  EXPECT_EQ(done[0].cycles, 4u);  // a read of each programmed row; nothing to correct
  EXPECT_EQ(status_of(done[1]), DevStatus::kTileRowRange);
  EXPECT_EQ(status_of(done[2]), DevStatus::kBadTile);
  EXPECT_EQ(b.device().stats().total().nvm_programs, 4u);
}

// 1e6 s at 85 C is a hazard of 0.01 a cell: unpowered, rows with two bad
// cells are uncorrectable; powered with a scrub every 1e4 s, each step adds
// 1e-4 a cell, so errors are cleared one at a time before they pair up.
TEST_F(Scrub, PoweredAgeingWithABackgroundScrubKeepsRowsCorrectable) {
  const double hazard = 1e6 * config_.faults->setup.model.retention_hazard_per_s(85);
  ASSERT_NEAR(hazard, -std::log(1 - 0.01), 1e-12);
  const auto health = expected_health(hazard);
  const auto unpowered_bad =
      uint64_t(std::count(health.begin(), health.end(), nvm::RowHealth::kUncorrectable));
  ASSERT_GT(unpowered_bad, 0u);

  const auto copy = dir_ / "copy.nvm";
  std::filesystem::copy_file(config_.nvm_image, copy);
  DeviceConfig unpowered = config_;
  unpowered.faults->age_s = 1e6;
  DeviceConfig powered = unpowered;
  powered.nvm_image = copy;
  powered.faults->scrub_interval_s = 1e4;
  {
    FunctionalBench b(unpowered);
    b.setup();
    for (uint32_t r = 0; r < kNvmRows; ++r)
      b.run({cmd::read_sram(1 + r, kTile, r, 1, b.data(8192))});
    EXPECT_EQ(b.device().stats().total().ecc.uncorrectable, unpowered_bad);
    EXPECT_EQ(b.device().stats().background().ecc.scrubbed, 0u);
  }
  {
    FunctionalBench b(powered);
    b.setup();
    const Work bg = b.device().stats().background();
    EXPECT_GT(bg.ecc.scrubbed, 0u);
    EXPECT_EQ(bg.ecc.scrubbed, bg.nvm_programs);
    uint64_t refused = 0;
    for (uint32_t r = 0; r < kNvmRows; ++r)
      refused +=
          status_of(b.run({cmd::read_sram(1 + r, kTile, r, 1, b.data(8192))})[0]) != DevStatus::kOk;
    EXPECT_LT(refused, unpowered_bad);
    EXPECT_EQ(refused, 0u);
  }
  // Both images aged the same time; the powered one keeps its scrubbed rows.
  EXPECT_NEAR(nvm::NvmImage::open(config_.nvm_image).age().seconds,
              nvm::NvmImage::open(copy).age().seconds, 1e-3);
}

}  // namespace
}  // namespace hycim::device::testing
