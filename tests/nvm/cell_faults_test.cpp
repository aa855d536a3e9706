// The NVM fault model (sim/nvm/cell_faults.hpp) and the fault record and age
// an image keeps for it: deterministic draws, rates that match their
// parameters, flips that only add up with age, ECC outcomes that follow the
// number of bad cells, and a record and age that survive reopening.
#include "sim/nvm/cell_faults.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using ::testing::HasSubstr;

// A fault model written out here so the test does not follow the presets.
tech::NvmFaults model(double stuck0, double stuck1, double wer, double read_disturb) {
  return tech::NvmFaults::from_json(
      {{"name", "test"},
       {"stuck_at_0", stuck0},
       {"stuck_at_1", stuck1},
       {"retention", {{"ea_ev", 1.0}, {"ber", 1e-3}, {"time_s", 3600.0}, {"temp_c", 85.0}}},
       {"read_disturb", read_disturb},
       {"write_error_rate", wer},
       {"endurance", 1000.0}});
}

FaultSetup setup(tech::NvmFaults m, uint64_t seed = 7, Protection ecc = Protection::kSecded) {
  return {std::move(m), seed, ecc};
}

const std::vector<uint8_t> kOnes(32, 0xff);

TEST(CellFaults, TheSameSetupGivesTheSameCellsAndAnotherSeedOthers) {
  const CellFaults a(setup(model(0.01, 0.01, 0.01, 0)), 32, 8);
  const CellFaults b(setup(model(0.01, 0.01, 0.01, 0)), 32, 8);
  const CellFaults c(setup(model(0.01, 0.01, 0.01, 0), 8), 32, 8);
  int differ = 0;
  for (uint32_t row = 0; row < 64; ++row) {
    SensedRow x, y, z;
    a.sense(1, row, kOnes, 3, 0.02, x);
    b.sense(1, row, kOnes, 3, 0.02, y);
    c.sense(1, row, kOnes, 3, 0.02, z);
    EXPECT_EQ(x.lanes, y.lanes) << row;
    EXPECT_EQ(x.wrong_bits, y.wrong_bits) << row;
    differ += x.lanes != z.lanes || x.wrong_bits != z.wrong_bits;
  }
  EXPECT_GT(differ, 16);
}

TEST(CellFaults, StuckCellsFollowTheirRatesAndHoldTheirValue) {
  const CellFaults f(setup(model(0.02, 0.01, 0, 0)), 32, 8);
  uint64_t zero = 0, one = 0, cells = 0;
  for (uint32_t row = 0; row < 2000; ++row) {
    const auto stuck = f.stuck_cells(0, row);
    for (const auto& [cell, value] : stuck) (value ? one : zero) += 1;
    cells += f.data_cells() + f.check_cells();
    // A row of zeros shows exactly its stuck-at-1 cells wrong, a row of ones its
    // stuck-at-0 cells (ECC may then correct, but the raw count is the cells').
    SensedRow z, o;
    f.sense(0, row, std::vector<uint8_t>(32, 0), 1, 0, z);
    f.sense(0, row, kOnes, 1, 0, o);
    uint32_t ones_in_zero_row = 0, zeros_in_ones_row = 0;
    for (const auto& [cell, value] : stuck) (value ? ones_in_zero_row : zeros_in_ones_row) += 1;
    // The check bits of all-zero data are zero; of all-ones data they are
    // whatever the code says, so only the zero row is exact for check cells.
    EXPECT_EQ(z.wrong_bits, ones_in_zero_row) << row;
    EXPECT_LE(o.wrong_bits, uint32_t(stuck.size())) << row;
  }
  // 2000 x 266 cells: within 5 sigma of the rates.
  auto near = [&](uint64_t n, double p) {
    const double mean = p * double(cells), sigma = std::sqrt(mean * (1 - p));
    EXPECT_NEAR(double(n), mean, 5 * sigma);
  };
  near(zero, 0.02);
  near(one, 0.01);
}

TEST(CellFaults, FlipsOnlyAddUpAsTheHazardGrowsAndTheNextFlipIsExact) {
  const CellFaults f(setup(model(0, 0, 0, 0), 3, Protection::kNone), 32, 8);
  SensedRow prev;
  f.sense(2, 5, kOnes, 1, 0, prev);
  EXPECT_EQ(prev.wrong_bits, 0u);
  for (double h : {1e-3, 1e-2, 0.05, 0.2, 1.0}) {
    SensedRow now;
    f.sense(2, 5, kOnes, 1, h, now);
    EXPECT_GE(now.wrong_bits, prev.wrong_bits) << h;
    for (size_t l = 0; l < 32; ++l)  // a bit flipped before is still flipped
      EXPECT_EQ(now.lanes[l] & prev.lanes[l], now.lanes[l]) << h;
    // Just below the reported next flip nothing changes; at it, one more bit.
    SensedRow below, at;
    f.sense(2, 5, kOnes, 1, std::nextafter(now.next_flip_hazard, 0.0), below);
    f.sense(2, 5, kOnes, 1, std::nextafter(now.next_flip_hazard, 2.0), at);
    EXPECT_EQ(below.wrong_bits, now.wrong_bits);
    EXPECT_EQ(at.wrong_bits, now.wrong_bits + 1);
    prev = now;
  }
  // At hazard 1 about 1 - 1/e of the 256 cells have flipped.
  EXPECT_NEAR(double(prev.wrong_bits), 256 * (1 - std::exp(-1.0)), 5 * std::sqrt(256 * 0.23));
}

// PCM-like retention (flips_to 1): a cell holding 1 never flips, and a cell
// holding 0 flips at exactly the hazard it would flip at both ways.
TEST(CellFaults, OneWayRetentionOnlyMovesCellsTowardsItsState) {
  tech::NvmFaults one_way = model(0, 0, 0, 0);
  one_way.retention.flips_to = tech::Param{1, "test"};
  const CellFaults both(setup(model(0, 0, 0, 0), 3, Protection::kNone), 32, 8);
  const CellFaults up(setup(one_way, 3, Protection::kNone), 32, 8);
  const std::vector<uint8_t> zeros(32, 0), halves(32, 0x0f);
  for (double h : {1e-2, 0.2, 1.0}) {
    SensedRow a, b, ones, half;
    both.sense(2, 5, zeros, 1, h, a);
    up.sense(2, 5, zeros, 1, h, b);
    EXPECT_EQ(a.lanes, b.lanes) << h;
    EXPECT_GT(b.wrong_bits, 0u) << h;
    up.sense(2, 5, kOnes, 1, h, ones);
    EXPECT_EQ(ones.wrong_bits, 0u) << h;
    EXPECT_EQ(ones.next_flip_hazard, std::numeric_limits<double>::infinity());
    up.sense(2, 5, halves, 1, h, half);
    for (size_t l = 0; l < 32; ++l) {
      EXPECT_EQ(half.lanes[l] & 0x0f, 0x0f) << h;               // the ones stay
      EXPECT_EQ(half.lanes[l] & 0xf0, a.lanes[l] & 0xf0) << h;  // the zeros flip as before
    }
  }
  // The record keeps it, and a model without it keeps the record it had.
  EXPECT_THAT(to_record(setup(one_way)), HasSubstr("\"flips_to\":1"));
  EXPECT_THAT(to_record(setup(model(0, 0, 0, 0))), ::testing::Not(HasSubstr("flips_to")));
  EXPECT_EQ(from_record(to_record(setup(one_way)))->model.retention.flips_to->value, 1);
  one_way.retention.flips_to->value = 2;
  EXPECT_THAT([&] { one_way.validate(); },
              ::testing::ThrowsMessage<tech::TechError>(HasSubstr("retention.flips_to: 2")));
}

TEST(CellFaults, EccCorrectsOneBadCellAndRefusesTwo) {
  const CellFaults f(setup(model(0, 0, 0, 0), 11), 32, 8);
  int clean = 0, corrected = 0, refused = 0;
  for (uint32_t row = 0; row < 400; ++row) {
    SensedRow s;
    f.sense(0, row, kOnes, 1, 0.004, s);  // about one bad cell a row
    switch (s.wrong_bits) {
      case 0:
        EXPECT_EQ(s.health, RowHealth::kClean);
        EXPECT_EQ(s.lanes, kOnes);
        ++clean;
        break;
      case 1:
        EXPECT_EQ(s.health, RowHealth::kCorrected);
        EXPECT_EQ(s.lanes, kOnes) << "a single bad cell is corrected away";
        ++corrected;
        break;
      case 2:
        EXPECT_EQ(s.health, RowHealth::kUncorrectable) << row;
        ++refused;
        break;
      default:
        break;  // three or more: SEC-DED may miscorrect; not what this test is about
    }
  }
  EXPECT_GT(clean, 20);
  EXPECT_GT(corrected, 20);
  EXPECT_GT(refused, 5);
}

TEST(CellFaults, WithoutEccBadCellsReadBackWrongAndTheRowLooksClean) {
  const CellFaults f(setup(model(0.05, 0, 0, 0), 5, Protection::kNone), 32, 8);
  EXPECT_EQ(f.check_cells(), 0u);
  uint32_t wrong_rows = 0;
  for (uint32_t row = 0; row < 50; ++row) {
    SensedRow s;
    f.sense(0, row, kOnes, 1, 0, s);
    EXPECT_EQ(s.health, RowHealth::kClean);  // the device cannot tell
    if (s.wrong_bits) {
      EXPECT_NE(s.lanes, kOnes);
      ++wrong_rows;
    }
  }
  EXPECT_GT(wrong_rows, 40u);
}

TEST(CellFaults, ProgramErrorsRiseWithWearAndChangeWithEachProgram) {
  const CellFaults f(setup(model(0, 0, 1e-4, 0), 2, Protection::kNone), 32, 8);
  auto bad_cells = [&](uint64_t wear) {
    uint64_t n = 0;
    for (uint32_t row = 0; row < 200; ++row) {
      SensedRow s;
      f.sense(0, row, kOnes, wear, 0, s);
      n += s.wrong_bits;
    }
    return n;
  };
  const uint64_t fresh = bad_cells(1), half = bad_cells(501), worn = bad_cells(1001);
  EXPECT_LT(fresh, 30u);          // 1e-4 x 51200 cells ~ 5
  EXPECT_GT(half, 200u);          // 1e-2 x 51200 ~ 512
  EXPECT_GT(worn, 51200u - 10u);  // every pulse fails: the row is worn out
  SensedRow a, b;
  f.sense(0, 0, kOnes, 501, 0, a);
  f.sense(0, 0, kOnes, 502, 0, b);
  EXPECT_NE(a.lanes, b.lanes) << "another program pulse draws its errors anew";
}

TEST(CellFaults, TheRecordRoundTripsAndADamagedOneIsNamed) {
  const FaultSetup s = setup(tech::load_nvm_faults("rram"), 42, Protection::kNone);
  const std::string rec = to_record(s);
  const std::optional<FaultSetup> back = from_record(rec);
  ASSERT_TRUE(back);
  EXPECT_EQ(to_record(*back), rec);
  EXPECT_EQ(back->seed, 42u);
  EXPECT_EQ(back->ecc, Protection::kNone);
  EXPECT_EQ(back->model.write_error_rate.value, s.model.write_error_rate.value);
  EXPECT_FALSE(from_record(""));
  EXPECT_THAT([] { from_record("{\"seed\": 1}"); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("fault record")));
}

// Found by tests/fuzz/nvm_image_fuzz.cpp and config_json_fuzz.cpp: a seed or
// spare count that is no whole number was converted (a float out of range:
// undefined behaviour), a negative one wrapped.
TEST(CellFaults, ARecordWithAnotherNumberForAWholeOneIsDamaged) {
  nlohmann::json j = nlohmann::json::parse(to_record(setup(tech::load_nvm_faults("rram"), 42)));
  for (const char* bad : {"1e300", "-1", "2.5", "true"}) {
    nlohmann::json k = j;
    k["seed"] = nlohmann::json::parse(bad);
    EXPECT_THAT([&] { from_record(k.dump()); },
                ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("fault record")))
        << bad;
    k = j;
    k["spare_rows"] = nlohmann::json::parse(bad);
    EXPECT_THAT([&] { from_record(k.dump()); },
                ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("spare_rows")))
        << bad;
  }
  j["spare_rows"] = kMaxSpareRows + 1;
  EXPECT_THAT([&] { from_record(j.dump()); },
              ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("spare_rows")));
  j["spare_rows"] = kMaxSpareRows;
  EXPECT_EQ(from_record(j.dump())->spare_rows, kMaxSpareRows);
}

TEST(NvmImageFaults, TheFaultRecordAgeAndProgramClocksSurviveReopening) {
  test::TempDir dir;
  const std::string rec = to_record(setup(tech::load_nvm_faults("stt_mram")));
  {
    NvmImage image = NvmImage::create(dir.file("f.nvm"), {2, 8, 32}, rec);
    EXPECT_EQ(image.age().clock, 0);
    image.write_row(1, 3, kOnes, 0.25f);
    image.set_age({1.5, 3600});
    image.set_age({2.5, 7200});  // the other copy; the newest wins on open
  }
  NvmImage image = NvmImage::open(dir.file("f.nvm"));
  EXPECT_EQ(image.fault_record(), rec);
  EXPECT_EQ(image.age().clock, 2.5);
  EXPECT_EQ(image.age().seconds, 7200);
  EXPECT_EQ(image.programmed_at(1, 3), 0.25f);
  EXPECT_EQ(image.programmed_at(0, 0), 0.0f);
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

TEST(NvmImageFaults, AnImageWithoutFaultsHasAnEmptyRecordAndAVersionOneImageIsNamed) {
  test::TempDir dir;
  { NvmImage::create(dir.file("a.nvm"), {1, 4, 8}); }
  EXPECT_EQ(NvmImage::open(dir.file("a.nvm")).fault_record(), "");
  // The header as an older hycim wrote it: version 1, its crc right.
  format::FileHeader h = format::make_header({1, 4, 8});
  h.version = 1;
  h.crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(&h), offsetof(format::FileHeader, crc)));
  {
    std::fstream f(dir.file("a.nvm"), std::ios::in | std::ios::out | std::ios::binary);
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
  }
  EXPECT_THAT([&] { NvmImage::open(dir.file("a.nvm")); },
              ::testing::ThrowsMessage<NvmImageError>(HasSubstr("version 1 image")));
  EXPECT_THAT(
      [&] {
        NvmImage::create(dir.file("b.nvm"), {1, 4, 8}, std::string(5000, 'x'));
      },
      ::testing::ThrowsMessage<NvmImageError>(HasSubstr("fault record of 5000 bytes")));
}

}  // namespace
}  // namespace hycim::nvm
