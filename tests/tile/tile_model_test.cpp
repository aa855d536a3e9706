// The fast model against the plain reference and the documented formulas, on
// every named configuration.
#include "sim/tile/tile_model.hpp"

#include <gtest/gtest.h>

#include "sim/tile/tile_timing.hpp"
#include "tests/tile/tile_test_support.hpp"

namespace hycim::tile {
namespace {

using namespace testing;

// A configuration no product uses, so every tail of the SIMD kernels runs:
// lanes not a multiple of 4 or 16, rows not a multiple of 4, narrow storage.
constexpr TileConfig kOddTile{"odd", 21, 6, 5, 37, 7, 3, 32, 5, 8};

// Every configuration on every kernel; kernels this CPU lacks are skipped.
class TileModelTest : public ::testing::TestWithParam<std::tuple<TileConfig, MvmKernel>> {
 protected:
  void SetUp() override {
    if (!mvm_kernel_available(std::get<1>(GetParam())))
      GTEST_SKIP() << to_string(std::get<1>(GetParam())) << " is not available on this CPU";
  }
  static TileConfig config() { return std::get<0>(GetParam()); }
  static TileModel make(const TileConfig& cfg) { return TileModel(cfg, std::get<1>(GetParam())); }
};
// The arithmetic, also on kOddTile.
class TileKernelTest : public TileModelTest {};

TEST_P(TileKernelTest, RandomMvmMatchesReferenceForEveryWidthAndSignedness) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  std::mt19937 rng(1);
  randomize(tile, rng);
  const Snapshot s = snapshot(tile);
  for (uint8_t xb = 1; xb <= cfg.xbits; ++xb)
    for (uint8_t wb = 1; wb <= cfg.wbits; ++wb)
      for (int rep = 0; rep < 8; ++rep) {
        const Command c = random_mvm(rng, cfg, xb, wb);
        const Result r = tile.execute(c);
        ASSERT_EQ(r.status, Status::kOk);
        ASSERT_EQ(r.cycles, timing::mvm_cycles(cfg, c.count, c.xbits));
        ASSERT_EQ(widen(r.lanes), reference_result(s, cfg, c)) << "K=" << c.count;
      }
}

TEST_P(TileKernelTest, EmulMatchesReference) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  std::mt19937 rng(2);
  randomize(tile, rng);
  const Snapshot s = snapshot(tile);
  for (int i = 0; i < 500; ++i) {
    const Command c = random_emul(rng, cfg);
    const Result r = tile.execute(c);
    ASSERT_EQ(r.status, Status::kOk);
    ASSERT_EQ(r.cycles, 1u + c.xbits);
    ASSERT_EQ(widen(r.lanes), reference_result(s, cfg, c));
  }
}

TEST_P(TileModelTest, ExtremesMinusOneTwentyEightEverywhereAndZeros) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  const uint32_t k = std::min(cfg.rows(), cfg.sram_rows * cfg.lanes);
  for (uint32_t r = 0; r < cfg.rows(); ++r) tile.poke_row(r, std::vector<uint8_t>(cfg.lanes, 0x80));
  Result r = tile.execute(Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true));
  ASSERT_EQ(r.status, Status::kOk);
  for (int32_t v : r.lanes) EXPECT_EQ(v, int64_t{k} * 128 * 128);
  r = tile.execute(Command::mvm(0, k, cfg.nvm_rows, 8, false, 8, true));  // x = +128 unsigned
  for (int32_t v : r.lanes) EXPECT_EQ(v, -int64_t{k} * 128 * 128);
  for (uint32_t row = 0; row < cfg.rows(); ++row)
    tile.poke_row(row, std::vector<uint8_t>(cfg.lanes, 0));
  r = tile.execute(Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true));
  for (int32_t v : r.lanes) EXPECT_EQ(v, 0);
}

TEST_P(TileModelTest, ProgramHoldsItsRowExactlyProgCyclesAndCountsWear) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  const auto data = std::vector<uint8_t>(cfg.lanes, 7);
  ASSERT_EQ(tile.execute(Command::program_nvm(3, data)).cycles, 1u);
  // The row is busy through PROG cycles after the program's own cycle.
  tile.idle(cfg.nvm_prog_cycles - 1);
  EXPECT_EQ(tile.execute(Command::read_row(3)).status, Status::kRowBusy);
  EXPECT_EQ(tile.execute(Command::read_row(3)).status, Status::kOk);
  EXPECT_EQ(tile.execute(Command::read_wear(3)).lanes[0], 1);
  // A second program right after the first waits for the engine.
  tile.execute(Command::program_nvm(4, data));
  const Result second = tile.execute(Command::program_nvm(5, data));
  EXPECT_EQ(second.cycles, 1u + cfg.nvm_prog_cycles);
  EXPECT_EQ(tile.execute(Command::sync()).cycles, 1u + cfg.nvm_prog_cycles);
  EXPECT_EQ(tile.execute(Command::sync()).cycles, 1u);
}

TEST_P(TileModelTest, WornOutRowRefusesFurtherPrograms) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  tile.poke_wear(2, cfg.nvm_endurance - 1);
  const auto data = std::vector<uint8_t>(cfg.lanes, 1);
  EXPECT_EQ(tile.execute(Command::program_nvm(2, data)).status, Status::kOk);
  tile.execute(Command::sync());
  const Snapshot before = snapshot(tile);
  EXPECT_EQ(tile.execute(Command::program_nvm(2, std::vector<uint8_t>(cfg.lanes, 9))).status,
            Status::kWornOut);
  EXPECT_EQ(snapshot(tile), before);
}

TEST_P(TileModelTest, IllegalCommandsAnswerTheirStatusInOneCycleAndChangeNothing) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  std::mt19937 rng(3);
  randomize(tile, rng);
  const uint32_t sram0 = cfg.nvm_rows, rows = cfg.rows();
  const auto lanes = std::vector<uint8_t>(cfg.lanes, 5);
  Command bad_op;
  bad_op.op = static_cast<Opcode>(15);
  const std::vector<std::pair<Command, Status>> cases = {
      {bad_op, Status::kBadOpcode},
      {Command::write_sram(0, lanes), Status::kRowRange},
      {Command::write_sram(rows, lanes), Status::kRowRange},
      {Command::program_nvm(sram0, lanes), Status::kRowRange},
      {Command::read_row(rows), Status::kRowRange},
      {Command::read_wear(sram0), Status::kRowRange},
      {Command::mvm(0, 1, sram0, 0, false, 8, false), Status::kBadWidth},
      {Command::mvm(0, 1, sram0, static_cast<uint8_t>(cfg.xbits + 1), false, 8, false),
       Status::kBadWidth},
      {Command::mvm(0, 1, sram0, 8, false, static_cast<uint8_t>(cfg.wbits + 1), false),
       Status::kBadWidth},
      {Command::mvm(0, 0, sram0, 8, false, 8, false), Status::kBadCount},
      {Command::mvm(1, rows, sram0, 8, false, 8, false), Status::kRowRange},
      {Command::mvm(0, 1, 0, 8, false, 8, false), Status::kRowRange},
      {Command::mvm(0, cfg.lanes + 1, rows - 1, 8, false, 8, false), Status::kRowRange},
      {Command::emul(sram0, sram0, 8, false, 8, false), Status::kRowRange},
      {Command::emul(0, 0, 8, false, 8, false), Status::kRowRange},
      {Command::emul(0, sram0, 9, false, 8, false), Status::kBadWidth},
  };
  for (const auto& [cmd, want] : cases) {
    const Snapshot before = snapshot(tile);
    const Result r = tile.execute(cmd);
    EXPECT_EQ(r.status, want) << spec::to_string(cmd.op);
    EXPECT_EQ(r.cycles, 1u);
    EXPECT_EQ(r.lanes, std::vector<int32_t>(cfg.lanes, 0));
    EXPECT_EQ(snapshot(tile), before);
  }
}

TEST_P(TileModelTest, BusyRowRefusesMvmAndEmulThatReadIt) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  tile.execute(Command::program_nvm(1, std::vector<uint8_t>(cfg.lanes, 1)));
  EXPECT_EQ(tile.execute(Command::mvm(0, 2, cfg.nvm_rows, 8, true, 8, true)).status,
            Status::kRowBusy);
  EXPECT_EQ(tile.execute(Command::emul(1, cfg.nvm_rows, 8, true, 8, true)).status,
            Status::kRowBusy);
  EXPECT_EQ(tile.execute(Command::mvm(2, 2, cfg.nvm_rows, 8, true, 8, true)).status, Status::kOk);
}

TEST_P(TileModelTest, CommandsThatDoNotFitThePortAreRefusedByTheApi) {
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  EXPECT_THROW(tile.execute(Command::write_sram(cfg.nvm_rows, {1, 2})), TileError);
  EXPECT_THROW(tile.execute(Command::read_row(1u << 16)), TileError);
  EXPECT_EQ(tile.now(), 0u);
}

TEST_P(TileKernelTest, EveryAlignmentLengthWidthAndSignednessMatchesTheReference) {
  // The SIMD kernels read rows four at a time: start the block at each row of
  // a group, end it at each, and cover every operand width and signedness.
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  std::mt19937 rng(5);
  randomize(tile, rng);
  const Snapshot s = snapshot(tile);
  const uint32_t max_k = std::min(cfg.rows(), cfg.sram_rows * cfg.lanes);
  for (uint32_t row = 0; row < 4; ++row)
    for (uint32_t k : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 9u, 16u, 17u, max_k - row}) {
      if (k < 1 || k > max_k || row + k > cfg.rows()) continue;
      for (uint8_t xb = 1; xb <= cfg.xbits; ++xb)
        for (uint8_t wb = 1; wb <= cfg.wbits; ++wb)
          for (int signs = 0; signs < 4; ++signs) {
            const Command c = Command::mvm(row, k, cfg.nvm_rows, xb, signs & 1, wb, signs & 2);
            const Result r = tile.execute(c);
            ASSERT_EQ(r.status, Status::kOk);
            ASSERT_EQ(widen(r.lanes), reference_result(s, cfg, c))
                << "row=" << row << " K=" << k << " x" << int(xb) << (signs & 1 ? "s" : "u") << " w"
                << int(wb) << (signs & 2 ? "s" : "u");
          }
    }
}

TEST_P(TileKernelTest, LargestUnsignedOperandsAndRowsWrittenAfterwards) {
  // All ones in every lane, read unsigned at the widest widths (255 x 255 on
  // 8-bit tiles: the case the VNNI kernel shifts by 128). Then rewrite rows
  // through commands and the backdoor: the packed copy follows.
  const TileConfig cfg = config();
  TileModel tile = make(cfg);
  const uint32_t k = std::min(cfg.rows(), cfg.sram_rows * cfg.lanes);
  const auto xb = static_cast<uint8_t>(cfg.xbits), wb = static_cast<uint8_t>(cfg.wbits);
  const int64_t xmax = (1 << xb) - 1, wmax = (1 << wb) - 1;
  for (uint32_t r = 0; r < cfg.rows(); ++r) tile.poke_row(r, std::vector<uint8_t>(cfg.lanes, 0xFF));
  Result r = tile.execute(Command::mvm(0, k, cfg.nvm_rows, xb, false, wb, false));
  for (int32_t v : r.lanes) EXPECT_EQ(v, int64_t{k} * xmax * wmax);
  r = tile.execute(Command::mvm(0, k, cfg.nvm_rows, xb, true, wb, false));  // x = -1
  for (int32_t v : r.lanes) EXPECT_EQ(v, -int64_t{k} * wmax);
  std::vector<uint8_t> row(cfg.lanes);
  for (uint32_t l = 0; l < cfg.lanes; ++l) row[l] = static_cast<uint8_t>(l + 1);
  ASSERT_EQ(tile.execute(Command::program_nvm(2, row)).status, Status::kOk);
  tile.execute(Command::sync());
  tile.poke_row(3, std::vector<uint8_t>(cfg.lanes, 0));
  const Snapshot s = snapshot(tile);
  const Command c = Command::mvm(1, 4, cfg.nvm_rows, xb, false, wb, true);
  EXPECT_EQ(widen(tile.execute(c).lanes), reference_result(s, cfg, c));
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<TileConfig, MvmKernel>>& info) {
  return std::string(std::get<0>(info.param).name) + "_" + to_string(std::get<1>(info.param));
}
const auto kEveryKernel =
    ::testing::Values(MvmKernel::kPortable, MvmKernel::kAvx2, MvmKernel::kAvx512Vnni);

INSTANTIATE_TEST_SUITE_P(Configs, TileModelTest,
                         ::testing::Combine(::testing::ValuesIn(spec::kNamedTileConfigs),
                                            kEveryKernel),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Configs, TileKernelTest,
                         ::testing::Combine(::testing::Values(spec::kSmallTile, spec::kDefaultTile,
                                                              kOddTile),
                                            kEveryKernel),
                         param_name);

// Cycle counts as literals worked out by hand from docs/device.md's table
// (MVM: 1 + ceil(K / LANES) + xbits * ceil(K / ROWS_PER_CYCLE); EMUL:
// 1 + xbits), not from the formula the model calls, so a changed formula
// fails here.
TEST(TileModelCycles, AreTheDocumentedLiterals) {
  struct Case {
    TileConfig cfg;
    uint32_t k;
    uint8_t xbits;
    uint64_t cycles;
  };
  const Case cases[] = {
      {spec::kDefaultTile, 576, 8, 91},  // 1 + 18 + 8 * 9
      {spec::kDefaultTile, 1, 1, 3},     // 1 + 1 + 1 * 1
      {spec::kDefaultTile, 64, 8, 11},   // 1 + 2 + 8 * 1
      {spec::kDefaultTile, 65, 4, 12},   // 1 + 3 + 4 * 2
      {spec::kSmallTile, 48, 8, 103},    // 1 + 6 + 8 * 12
      {spec::kSmallTile, 5, 3, 8},       // 1 + 1 + 3 * 2
  };
  for (MvmKernel kernel : available_mvm_kernels())
    for (const Case& c : cases) {
      TileModel tile(c.cfg, kernel);
      const Result r = tile.execute(Command::mvm(0, c.k, c.cfg.nvm_rows, c.xbits, true, 8, true));
      ASSERT_EQ(r.status, Status::kOk);
      EXPECT_EQ(r.cycles, c.cycles) << c.cfg.name << " K=" << c.k << " x" << int(c.xbits);
      EXPECT_EQ(tile.now(), c.cycles);
    }
  TileModel tile(spec::kDefaultTile);
  EXPECT_EQ(tile.execute(Command::emul(0, spec::kDefaultTile.nvm_rows, 8, true, 8, true)).cycles,
            9u);
  EXPECT_EQ(tile.execute(Command::emul(0, spec::kDefaultTile.nvm_rows, 1, true, 8, true)).cycles,
            2u);
  EXPECT_EQ(tile.execute(Command::nop()).cycles, 1u);
  EXPECT_EQ(tile.execute(Command::read_row(0)).cycles, 1u);
  EXPECT_EQ(tile.now(), 13u);
}

TEST(MvmKernels, ChosenByTheEnvironmentAndRefusedByName) {
  const TileConfig cfg = spec::kSmallTile;
  ASSERT_EQ(setenv("HYCIM_MVM_KERNEL", "portable", 1), 0);
  EXPECT_EQ(TileModel(cfg).kernel(), MvmKernel::kPortable);
  ASSERT_EQ(setenv("HYCIM_MVM_KERNEL", "sse9", 1), 0);
  try {
    TileModel t(cfg);
    ADD_FAILURE() << "an unknown kernel was accepted";
  } catch (const TileError& e) {
    EXPECT_NE(std::string(e.what()).find("HYCIM_MVM_KERNEL: MVM kernel 'sse9'"), std::string::npos)
        << e.what();
  }
  ASSERT_EQ(unsetenv("HYCIM_MVM_KERNEL"), 0);
  EXPECT_EQ(TileModel(cfg).kernel(), best_mvm_kernel());
  EXPECT_EQ(available_mvm_kernels().front(), MvmKernel::kPortable);
  for (MvmKernel k : {MvmKernel::kPortable, MvmKernel::kAvx2, MvmKernel::kAvx512Vnni}) {
    EXPECT_EQ(parse_mvm_kernel(to_string(k)), k);
    if (!mvm_kernel_available(k)) {
      EXPECT_THROW(TileModel(cfg, k), TileError);
    }
  }
}

TEST(TileReference, BitSerialShiftAndAddEqualsTheDefinition) {
  std::mt19937 rng(4);
  for (int i = 0; i < 2000; ++i) {
    const unsigned xbits = 1 + rng() % 8, k = 1 + rng() % 40, lanes = 1 + rng() % 5;
    const bool xs = rng() & 1;
    std::vector<std::vector<int64_t>> w(k, std::vector<int64_t>(lanes));
    std::vector<uint8_t> raw(k);
    std::vector<int64_t> x(k);
    for (unsigned j = 0; j < k; ++j) {
      for (auto& v : w[j]) v = static_cast<int64_t>(rng() % 256) - 128;
      raw[j] = static_cast<uint8_t>(rng() & ((1u << xbits) - 1));
      x[j] = reference::lane_value(raw[j], xbits, xs);
    }
    ASSERT_EQ(reference::mvm_bit_serial(w, raw, xbits, xs), reference::mvm(w, x));
  }
}

TEST(TileConfigValidation, NamesTheOffendingParameter) {
  spec::TileConfig c = spec::kSmallTile;
  c.wbits = 9;
  EXPECT_THROW(validate(c), TileError);
  c = spec::kSmallTile;
  c.acc_bits = 16;
  try {
    validate(c);
    FAIL();
  } catch (const TileError& e) {
    EXPECT_NE(std::string(e.what()).find("ACC_BITS=16"), std::string::npos) << e.what();
  }
  EXPECT_THROW(named_config("huge"), TileError);
  EXPECT_EQ(named_config("default").lanes, spec::kDefaultTile.lanes);
}

}  // namespace
}  // namespace hycim::tile
