// The Verilated RTL tile in lock-step with the fast model, both checked against
// the reference: same status, same lanes, same cycles, same array state.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "sim/tile/rtl_tile.hpp"
#include "sim/tile/tile_model.hpp"
#include "tests/tile/tile_test_support.hpp"

namespace hycim::tile {
namespace {

using namespace testing;

class Lockstep {
 public:
  // Options from the environment: HYCIM_TRACE=FILE writes each lock-step
  // tile's waveform (README, "Write a waveform of any RTL test").
  // The model runs on the portable kernel, and each SIMD kernel this CPU has
  // runs beside it on the same commands.
  explicit Lockstep(const TileConfig& cfg)
      : model_(cfg, MvmKernel::kPortable), rtl_(make_rtl_tile(cfg)) {
    for (MvmKernel k : available_mvm_kernels())
      if (k != MvmKernel::kPortable) kernels_.push_back(std::make_unique<TileModel>(cfg, k));
  }

  // Runs `c` on both tiles; checks they agree and, for accepted MVM/EMUL, that
  // the lanes are the reference's.
  Result run(const Command& c) {
    const bool check_ref = c.op == Opcode::kMvm || c.op == Opcode::kEmul;
    Snapshot before;
    if (check_ref) before = snapshot(model_);
    const Result m = model_.execute(c);
    const Result r = rtl_->execute(c);
    for (auto& k : kernels_) {
      const Result s = k->execute(c);
      EXPECT_EQ(s.status, m.status) << to_string(k->kernel()) << " " << describe(c);
      EXPECT_EQ(s.cycles, m.cycles) << to_string(k->kernel()) << " " << describe(c);
      EXPECT_EQ(s.lanes, m.lanes) << to_string(k->kernel()) << " " << describe(c);
    }
    EXPECT_EQ(r.status, m.status) << describe(c);
    EXPECT_EQ(r.cycles, m.cycles) << describe(c);
    EXPECT_EQ(r.lanes, m.lanes) << describe(c);
    if (check_ref && m.status == Status::kOk) {
      EXPECT_EQ(widen(m.lanes), reference_result(before, model_.config(), c)) << describe(c);
    }
    EXPECT_EQ(rtl_->now(), model_.now());
    return m;
  }

  void idle(uint64_t n) {
    model_.idle(n);
    rtl_->idle(n);
    for (auto& k : kernels_) k->idle(n);
  }

  void poke_row(uint32_t row, const std::vector<uint8_t>& v) {
    model_.poke_row(row, v);
    rtl_->poke_row(row, v);
    for (auto& k : kernels_) k->poke_row(row, v);
  }

  void poke_wear(uint32_t row, uint32_t wear) {
    model_.poke_wear(row, wear);
    rtl_->poke_wear(row, wear);
    for (auto& k : kernels_) k->poke_wear(row, wear);
  }

  void expect_same_state() {
    EXPECT_EQ(snapshot(*rtl_), snapshot(model_));
    for (auto& k : kernels_) EXPECT_EQ(snapshot(*k), snapshot(model_)) << to_string(k->kernel());
  }
  TileModel& model() { return model_; }
  Tile& rtl() { return *rtl_; }

 private:
  static std::string describe(const Command& c) {
    return std::string(spec::to_string(c.op)) + " row=" + std::to_string(c.row) +
           " row2=" + std::to_string(c.row2) + " count=" + std::to_string(c.count) +
           " xbits=" + std::to_string(c.xbits) + (c.xsigned ? "s" : "u") +
           " wbits=" + std::to_string(c.wbits) + (c.wsigned ? "s" : "u");
  }

  TileModel model_;
  std::unique_ptr<Tile> rtl_;
  std::vector<std::unique_ptr<TileModel>> kernels_;
};

class TileRtlTest : public ::testing::TestWithParam<TileConfig> {};

TEST_P(TileRtlTest, EveryWidthAndSignednessAgreesWithModelAndReference) {
  const TileConfig cfg = GetParam();
  Lockstep t(cfg);
  std::mt19937 rng(10);
  for (uint32_t r = 0; r < cfg.rows(); ++r) t.poke_row(r, random_lanes(rng, cfg.lanes));
  for (uint8_t xb = 1; xb <= cfg.xbits; ++xb)
    for (uint8_t wb = 1; wb <= cfg.wbits; ++wb)
      for (int rep = 0; rep < 4; ++rep) t.run(random_mvm(rng, cfg, xb, wb));
  t.expect_same_state();
}

// Thousands of random commands - legal and not - with random idle gaps, so the
// program engine's busy window is hit at every offset.
TEST_P(TileRtlTest, RandomCommandStreamsAgree) {
  const TileConfig cfg = GetParam();
  Lockstep t(cfg);
  std::mt19937 rng(11);
  for (uint32_t r = 0; r < cfg.rows(); ++r) t.poke_row(r, random_lanes(rng, cfg.lanes));
  const int n = cfg == spec::kSmallTile ? 6000 : 3000;
  for (int i = 0; i < n; ++i) {
    const uint32_t pick = rng() % 16;
    if (pick < 6) {
      t.run(random_mvm(rng, cfg, 1 + rng() % cfg.xbits, 1 + rng() % cfg.wbits));
    } else if (pick < 8) {
      t.run(random_emul(rng, cfg));
    } else if (pick == 8) {
      t.run(
          Command::write_sram(cfg.nvm_rows + rng() % cfg.sram_rows, random_lanes(rng, cfg.lanes)));
    } else if (pick == 9) {
      t.run(Command::program_nvm(rng() % cfg.nvm_rows, random_lanes(rng, cfg.lanes)));
    } else if (pick == 10) {
      t.run(Command::read_row(rng() % cfg.rows()));
    } else if (pick == 11) {
      t.run(rng() % 2 ? Command::sync() : Command::read_wear(rng() % cfg.nvm_rows));
    } else if (pick == 12) {
      t.idle(rng() % (cfg.nvm_prog_cycles + 2));
    } else {
      // Any field values that fit the port: mostly illegal commands.
      Command c;
      c.op = static_cast<Opcode>(rng() % 16);
      c.row = rng() % (cfg.rows() + 4);
      c.row2 = rng() % (cfg.rows() + 4);
      c.count = rng() % (cfg.rows() + 4);
      c.xbits = rng() % 16;
      c.wbits = rng() % 16;
      c.xsigned = rng() & 1;
      c.wsigned = rng() & 1;
      if (c.op == Opcode::kWriteSram || c.op == Opcode::kProgramNvm)
        c.data = random_lanes(rng, cfg.lanes);
      t.run(c);
    }
    if (::testing::Test::HasFailure()) break;
  }
  t.expect_same_state();
}

TEST_P(TileRtlTest, ExtremesAgree) {
  const TileConfig cfg = GetParam();
  Lockstep t(cfg);
  const uint32_t k = std::min(cfg.rows(), cfg.sram_rows * cfg.lanes);
  for (uint32_t r = 0; r < cfg.rows(); ++r) t.poke_row(r, std::vector<uint8_t>(cfg.lanes, 0x80));
  for (bool xs : {false, true})
    for (bool ws : {false, true}) {
      t.run(Command::mvm(0, k, cfg.nvm_rows, 8, xs, 8, ws));
      t.run(Command::mvm(5, 1, cfg.nvm_rows, 8, xs, 8, ws));                       // a single row
      t.run(Command::mvm(0, cfg.rows_per_cycle + 1, cfg.nvm_rows, 8, xs, 8, ws));  // K % R != 0
      t.run(Command::emul(0, cfg.nvm_rows, 8, xs, 8, ws));
    }
  for (uint32_t r = 0; r < cfg.rows(); ++r) t.poke_row(r, std::vector<uint8_t>(cfg.lanes, 0));
  EXPECT_EQ(t.run(Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true)).lanes,
            std::vector<int32_t>(cfg.lanes, 0));
}

TEST_P(TileRtlTest, IllegalCommandsGiveTheSameStatusAndChangeNoState) {
  const TileConfig cfg = GetParam();
  Lockstep t(cfg);
  std::mt19937 rng(12);
  for (uint32_t r = 0; r < cfg.rows(); ++r) t.poke_row(r, random_lanes(rng, cfg.lanes));
  const uint32_t sram0 = cfg.nvm_rows, rows = cfg.rows();
  const auto lanes = std::vector<uint8_t>(cfg.lanes, 5);
  t.poke_wear(7, cfg.nvm_endurance);
  Command bad_op;
  bad_op.op = static_cast<Opcode>(12);
  const std::vector<std::pair<Command, Status>> cases = {
      {bad_op, Status::kBadOpcode},
      {Command::write_sram(3, lanes), Status::kRowRange},
      {Command::program_nvm(sram0 + 1, lanes), Status::kRowRange},
      {Command::program_nvm(7, lanes), Status::kWornOut},
      {Command::read_row(rows + 2), Status::kRowRange},
      {Command::read_row(2), Status::kRowBusy},
      {Command::read_wear(rows - 1), Status::kRowRange},
      {Command::mvm(0, 4, sram0, 0, true, 8, true), Status::kBadWidth},
      {Command::mvm(0, 4, sram0, 8, true, 0, true), Status::kBadWidth},
      {Command::mvm(0, 0, sram0, 8, true, 8, true), Status::kBadCount},
      {Command::mvm(rows - 2, 3, sram0, 8, true, 8, true), Status::kRowRange},
      {Command::mvm(0, 4, sram0 - 1, 8, true, 8, true), Status::kRowRange},
      {Command::mvm(0, 4, sram0, 8, true, 8, true), Status::kRowBusy},
      {Command::emul(2, sram0, 8, true, 8, true), Status::kRowBusy},
      {Command::emul(3, 4, 8, true, 8, true), Status::kRowRange},
  };
  for (const auto& [cmd, want] : cases) {
    if (want == Status::kRowBusy) {  // a fresh program, so the row is busy whatever came before
      t.run(Command::sync());
      t.run(Command::program_nvm(2, lanes));
    }
    const Snapshot before = snapshot(t.rtl());
    EXPECT_EQ(t.run(cmd).status, want) << spec::to_string(cmd.op);
    EXPECT_EQ(snapshot(t.rtl()), before) << spec::to_string(cmd.op);
  }
  t.expect_same_state();
}

TEST_P(TileRtlTest, ProgramBusyWindowEndsOnTheSameCycle) {
  const TileConfig cfg = GetParam();
  Lockstep t(cfg);
  const auto lanes = std::vector<uint8_t>(cfg.lanes, 3);
  t.run(Command::program_nvm(0, lanes));
  t.idle(cfg.nvm_prog_cycles - 1);
  EXPECT_EQ(t.run(Command::read_row(0)).status, Status::kRowBusy);  // last busy cycle
  EXPECT_EQ(t.run(Command::read_row(0)).status, Status::kOk);       // first free cycle
  t.run(Command::program_nvm(1, lanes));
  EXPECT_EQ(t.run(Command::program_nvm(2, lanes)).cycles, 1u + cfg.nvm_prog_cycles);
  EXPECT_EQ(t.run(Command::read_wear(2)).lanes[0], 1);
  t.expect_same_state();
}

INSTANTIATE_TEST_SUITE_P(Configs, TileRtlTest, ::testing::ValuesIn(spec::kNamedTileConfigs),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(TileRtlWaveform, WrittenWhenAskedAndNotOtherwise) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("hycim_wave_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path wave = dir / "tile.fst";
  {
    auto tile = make_rtl_tile(spec::kSmallTile, RtlTileOptions{wave.string()});
    tile->execute(Command::mvm(0, 9, spec::kSmallTile.nvm_rows, 8, true, 8, true));
  }
  ASSERT_TRUE(fs::exists(wave));
  EXPECT_GT(fs::file_size(wave), 100u);
  fs::remove(wave);
  {
    auto tile = make_rtl_tile(spec::kSmallTile, RtlTileOptions{});
    tile->execute(Command::mvm(0, 9, spec::kSmallTile.nvm_rows, 8, true, 8, true));
  }
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(TileRtlFactory, RefusesConfigsThatWereNotVerilated) {
  spec::TileConfig c = spec::kSmallTile;
  c.rows_per_cycle = 2;
  EXPECT_FALSE(rtl_available(c));
  EXPECT_THROW(make_rtl_tile(c, {}), TileError);
}

}  // namespace
}  // namespace hycim::tile
