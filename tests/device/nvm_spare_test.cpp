// Spare rows, on the functional device: a row that still reads back wrong
// after its write-verify retries moves to its tile's next free spare row, and
// on the spare's cells (which the cell model, asked directly, says are good
// or bad) it is programmed again; exactly the moves the model predicts
// happen, with their pulses, retries and wear. Spares are kept in the NVM
// image; when they run out a row stays where it is (correctable or refused);
// a worn-out row moves to a spare instead of failing.
#include <gtest/gtest.h>

#include <random>

#include "sim/nvm/nvm_image.hpp"
#include "tests/device/functional_bench.hpp"

namespace hycim::device::testing {
namespace {

constexpr uint32_t kLanes = 8, kNvmRows = 32, kTile = 1;  // the small tile, 2 tiles
constexpr uint32_t kRetries = 3;

// Stuck cells only (the same in every program of a row), often enough that
// a quarter of the rows disagree with their data somewhere.
tech::NvmFaults stuck_only(double rate) {
  return tech::NvmFaults::from_json(
      {{"name", "stuck"},
       {"stuck_at_0", rate},
       {"stuck_at_1", rate},
       {"retention", {{"ea_ev", 1.0}, {"ber", 1e-30}, {"time_s", 1e6}, {"temp_c", 85.0}}},
       {"read_disturb", 0.0},
       {"write_error_rate", 0.0},
       {"endurance", 1e9}});
}

// Where the cell model says each row ends up when rows are programmed in
// order 0, 1, ...: its own cells, or the first spare whose cells take it.
struct Placement {
  uint32_t physical = 0;
  uint32_t pulses = 1;  // on that physical row
  nvm::RowHealth health = nvm::RowHealth::kClean;
  uint32_t wrong_bits = 0;
};
struct Expected {
  std::vector<Placement> rows;
  uint32_t spares_used = 0;
  uint64_t remapped = 0, retries = 0, pulses = 0;
};

Expected predict(const nvm::FaultSetup& setup, const std::vector<uint8_t>& weights) {
  const nvm::CellFaults cells(setup, kLanes, 8);
  Expected e;
  nvm::SensedRow s;
  for (uint32_t r = 0; r < kNvmRows; ++r) {
    const auto data = std::span(weights).subspan(r * kLanes, kLanes);
    Placement p{r};
    for (;;) {
      cells.sense(kTile, p.physical, data, 1, 0, s);
      p.pulses = s.wrong_bits > 0 ? 1 + kRetries : 1;
      p.health = s.health;
      p.wrong_bits = s.wrong_bits;
      e.pulses += p.pulses;
      e.retries += p.pulses - 1;
      if (s.wrong_bits == 0 || e.spares_used == setup.spare_rows) break;
      p = Placement{kNvmRows + e.spares_used++};
      ++e.remapped;
    }
    e.rows.push_back(p);
  }
  return e;
}

class SpareRows : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hycim_spare_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::mt19937 rng(11);
    weights_ = random_bytes(rng, kNvmRows * kLanes);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DeviceConfig config(uint32_t spares, double stuck = 0.004) const {
    DeviceConfig c = small_config(2);
    c.nvm_image = dir_ / "s.nvm";
    FaultConfig f;
    f.setup = {stuck_only(stuck), 5, nvm::Protection::kSecded, spares};
    f.model_ref = "stuck";
    f.verify_retries = kRetries;
    c.faults = f;
    return c;
  }
  // Programs every row of tile kTile, one command a row, so a refused row
  // does not stop the others.
  std::vector<DevStatus> program_all(FunctionalBench& b) {
    put(b, b.data(0), weights_);
    std::vector<sd::CommandRecord> cmds;
    for (uint32_t r = 0; r < kNvmRows; ++r)
      cmds.push_back(cmd::program_nvm(r, kTile, r, 1, b.data(r * kLanes)));
    std::vector<DevStatus> out;
    for (const auto& c : b.run(cmds)) out.push_back(status_of(c));
    return out;
  }
  std::vector<uint8_t> row(uint32_t r) const {
    return {weights_.begin() + r * kLanes, weights_.begin() + (r + 1) * kLanes};
  }

  std::filesystem::path dir_;
  std::vector<uint8_t> weights_;
};

TEST_F(SpareRows, RowsThatFailVerifyMoveToTheSparesTheCellModelPredicts) {
  const DeviceConfig c = config(16);
  const Expected e = predict(c.faults->setup, weights_);
  ASSERT_GE(e.remapped, 2u) << "too few rows fail verify: the test shows little";
  ASSERT_LT(e.spares_used, 16u) << "the spares ran out: another test covers that";

  {
    FunctionalBench b(c);
    b.setup();
    const auto status = program_all(b);
    const Work w = b.device().stats().total();
    EXPECT_EQ(w.ecc.remapped, e.remapped);
    EXPECT_EQ(w.ecc.retries, e.retries);
    EXPECT_EQ(w.nvm_programs, e.pulses);
    EXPECT_EQ(b.device().spares_used(kTile), e.spares_used);
    EXPECT_EQ(b.device().spares_used(0), 0u);
    const auto worn = b.wear(kTile, kNvmRows);
    for (uint32_t r = 0; r < kNvmRows; ++r) {
      const Placement& p = e.rows[r];
      const bool refused = p.health == nvm::RowHealth::kUncorrectable;
      EXPECT_EQ(status[r], refused ? DevStatus::kNvmProgramFailed : DevStatus::kOk) << "row " << r;
      EXPECT_EQ(worn[r], p.pulses) << "row " << r;  // the wear of the cells it lives on
      if (!refused) {
        EXPECT_EQ(b.device().tile(kTile).peek_row(r), row(r)) << "row " << r;
      }
    }
  }
  {  // the device has closed the image
    nvm::NvmImage img = nvm::NvmImage::open(c.nvm_image);
    EXPECT_EQ(img.spares_used(kTile), e.spares_used);
    for (uint32_t r = 0; r < kNvmRows; ++r)
      EXPECT_EQ(img.physical_row(kTile, r), e.rows[r].physical) << "row " << r;
  }
}

TEST_F(SpareRows, TheMovesSurviveClosingAndReopening) {
  const DeviceConfig c = config(16);
  const Expected e = predict(c.faults->setup, weights_);
  ASSERT_GE(e.remapped, 2u);
  {
    FunctionalBench b(c);
    b.setup();
    program_all(b);
  }
  FunctionalBench b(c);
  b.setup();
  EXPECT_EQ(b.device().spares_used(kTile), e.spares_used);
  uint64_t corrected = 0;
  for (uint32_t r = 0; r < kNvmRows; ++r) {
    const Placement& p = e.rows[r];
    if (p.health == nvm::RowHealth::kUncorrectable) continue;
    corrected += p.health == nvm::RowHealth::kCorrected;
    EXPECT_EQ(b.device().tile(kTile).peek_row(r), row(r)) << "row " << r;
    EXPECT_EQ(status_of(b.run({cmd::read_sram(200 + r, kTile, r, 1, b.data(8192))})[0]),
              DevStatus::kOk);
  }
  // Read through the ECC from the cells they live on: the spares' own.
  EXPECT_EQ(b.device().stats().total().ecc.corrected, corrected);
  // The image kept every pulse as wear, write-verify's repeats too.
  const auto worn = b.wear(kTile, kNvmRows);
  for (uint32_t r = 0; r < kNvmRows; ++r) EXPECT_EQ(worn[r], e.rows[r].pulses) << "row " << r;
  // Programmed again, a moved row stays on its spare: no new move.
  const uint32_t moved = uint32_t(
      std::find_if(e.rows.begin(), e.rows.end(),
                   [](const Placement& p) { return p.physical >= kNvmRows && p.wrong_bits == 0; }) -
      e.rows.begin());
  ASSERT_LT(moved, kNvmRows);
  put(b, b.data(0), row(moved));
  EXPECT_EQ(status_of(b.run({cmd::program_nvm(300, kTile, moved, 1, b.data(0))})[0]),
            DevStatus::kOk);
  EXPECT_EQ(b.device().stats().total().ecc.remapped, 0u);
  EXPECT_EQ(b.device().spares_used(kTile), e.spares_used);
}

TEST_F(SpareRows, WhenTheSparesRunOutARowStaysWhereItIs) {
  const DeviceConfig c = config(1);
  const Expected e = predict(c.faults->setup, weights_);
  ASSERT_EQ(e.spares_used, 1u);
  const auto stayed = std::count_if(e.rows.begin(), e.rows.end(), [](const Placement& p) {
    return p.physical < kNvmRows && p.wrong_bits > 0;
  });
  ASSERT_GT(stayed, 0) << "no row failed after the spare was used";

  FunctionalBench b(c);
  b.setup();
  const auto status = program_all(b);
  EXPECT_EQ(b.device().stats().total().ecc.remapped, e.remapped);
  EXPECT_EQ(b.device().spares_used(kTile), 1u);
  for (uint32_t r = 0; r < kNvmRows; ++r)
    EXPECT_EQ(status[r], e.rows[r].health == nvm::RowHealth::kUncorrectable
                             ? DevStatus::kNvmProgramFailed
                             : DevStatus::kOk)
        << "row " << r;
}

// The small tile's NVM_ENDURANCE is 8 programs: a row takes 8, then moves
// to a spare (8 more each), then answers WORN_OUT.
TEST_F(SpareRows, AWornOutRowMovesToASpare) {
  const DeviceConfig c = config(2, 0.0);
  FunctionalBench b(c);
  b.setup();
  put(b, b.data(0), row(0));
  std::vector<sd::CommandRecord> cmds;
  for (uint32_t i = 0; i < 25; ++i) cmds.push_back(cmd::program_nvm(i, kTile, 3, 1, b.data(0)));
  const auto done = b.run(cmds);
  for (uint32_t i = 0; i < 24; ++i)
    EXPECT_EQ(status_of(done[i]), DevStatus::kOk) << "program " << i;
  EXPECT_EQ(status_of(done[24]), DevStatus::kTileWornOut);
  EXPECT_EQ(b.device().stats().total().ecc.remapped, 2u);
  EXPECT_EQ(b.device().spares_used(kTile), 2u);
  EXPECT_EQ(b.device().tile(kTile).peek_wear(3), 8u);
}

TEST_F(SpareRows, WithoutSparesNothingMoves) {
  const DeviceConfig c = config(0);
  const Expected e = predict(c.faults->setup, weights_);
  EXPECT_EQ(e.remapped, 0u);
  FunctionalBench b(c);
  b.setup();
  program_all(b);
  EXPECT_EQ(b.device().stats().total().ecc.remapped, 0u);
  EXPECT_EQ(b.device().stats().total().ecc.retries, e.retries);
}

}  // namespace
}  // namespace hycim::device::testing
