// Spare rows on a damaged disk: a claim or rewrite of a spare torn by a crash
// leaves the row where the two-slot rule says, and a spare holding a row it
// cannot hold is reported by verify() and refused by open().
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using test::row_pattern;
using ::testing::AllOf;
using ::testing::HasSubstr;

// 2 tiles of 8 rows, 2 spares each: tile 1's spares are its rows 8 and 9.
const Geometry kGeometry{2, 8, 32, 2};
const uint32_t kSlot = format::slot_bytes_for(kGeometry.row_bytes);

std::vector<uint8_t> contents(uint64_t version) {
  return row_pattern(1, 3, 1000 + version, kGeometry.row_bytes);
}

class NvmSpareCorrupt : public ::testing::Test {
 protected:
  // Tile 1 row 3 written twice in its own place: wear 2, contents(2).
  void SetUp() override {
    NvmImage image = NvmImage::create(path_, kGeometry);
    for (uint64_t v = 1; v <= 2; ++v) image.write_row(1, 3, contents(v));
  }

  uint64_t slot_at(uint32_t row, uint32_t slot) const {
    return format::slot_offset(kGeometry, 1, row, slot);
  }

  // Sets a slot's holds field and gives it the crc that makes it otherwise
  // valid, so that only holds is wrong.
  void set_holds(uint32_t row, uint32_t slot, uint16_t holds) {
    std::vector<uint8_t> bytes = test::read_bytes(path_);
    uint8_t* s = bytes.data() + slot_at(row, slot);
    format::SlotHeader h;
    std::memcpy(&h, s, sizeof h);
    h.holds = holds;
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(&h), offsetof(format::SlotHeader, crc));
    h.crc = uint32_t(crc32(crc, s + sizeof h, kGeometry.row_bytes));
    std::memcpy(s, &h, sizeof h);
    test::write_bytes(path_, bytes);
  }

  // The row's place, wear and contents as a fresh open() sees them.
  void expect_row(uint32_t physical, uint64_t wear, const std::vector<uint8_t>& want,
                  uint32_t spares_used) {
    NvmImage image = NvmImage::open(path_);
    std::vector<uint8_t> row(kGeometry.row_bytes);
    image.read_row(1, 3, row);
    EXPECT_EQ(image.physical_row(1, 3), physical);
    EXPECT_EQ(image.wear(1, 3), wear);
    EXPECT_EQ(row, want);
    EXPECT_EQ(image.spares_used(1), spares_used);
  }

  // Exactly one issue, on spare row `row` of tile 1, of this condition.
  void expect_one_issue(uint32_t row, RowCondition c) {
    VerifyReport report = NvmImage::open(path_).verify();
    EXPECT_TRUE(report.ok()) << report.summary();
    ASSERT_EQ(report.issues.size(), 1u) << report.summary();
    EXPECT_EQ(report.issues[0].tile, 1u);
    EXPECT_EQ(report.issues[0].row, row);
    EXPECT_EQ(report.issues[0].condition, c);
    EXPECT_THAT(report.issues[0].detail, HasSubstr("(spare " + std::to_string(row - 8) + ")"));
  }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_.file("dev.nvm");
};

// Claiming fresh spare 0 writes its slot 1 (slot 0 is current on equal seq 0,
// holding no row). With that slot damaged, slot 0 wins again: the spare holds
// nothing and the row is back in its own place, as before the claim.
TEST_F(NvmSpareCorrupt, ADamagedClaimLeavesTheRowInItsOwnPlace) {
  { NvmImage::open(path_).remap_row(1, 3, contents(3)); }
  expect_row(8, 1, contents(3), 1);
  test::flip_byte(path_, slot_at(8, 1) + 40);  // payload of the claiming slot
  expect_row(3, 2, contents(2), 0);
  expect_one_issue(8, RowCondition::kRepairedOnNextWrite);
  {
    NvmImage image = NvmImage::open(path_);
    EXPECT_TRUE(image.remaps(1).empty());
    image.remap_row(1, 3, contents(4));  // claims spare 0 again, over the bad slot
    EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
  }
  expect_row(8, 1, contents(4), 1);
}

// A write to a row on its spare goes to the spare's other slot (slot 0, seq
// 2). With it damaged, slot 1 (seq 1, the claim) wins: the row stays on the
// spare with the contents the claim wrote.
TEST_F(NvmSpareCorrupt, ADamagedRewriteOnASpareLeavesItsPreviousContents) {
  {
    NvmImage image = NvmImage::open(path_);
    image.remap_row(1, 3, contents(3));
    image.write_row(1, 3, contents(4));
  }
  expect_row(8, 2, contents(4), 1);
  test::flip_byte(path_, slot_at(8, 0) + 40);
  expect_row(8, 1, contents(3), 1);
  expect_one_issue(8, RowCondition::kRepairedOnNextWrite);
}

// Moving on from spare 0 claims spare 1 (its slot 1). With that slot damaged,
// spare 1 holds nothing and spare 0 still holds the row.
TEST_F(NvmSpareCorrupt, ADamagedSecondClaimLeavesTheRowOnTheFirstSpare) {
  {
    NvmImage image = NvmImage::open(path_);
    image.remap_row(1, 3, contents(3));
    image.remap_row(1, 3, contents(4));
  }
  expect_row(9, 1, contents(4), 2);
  test::flip_byte(path_, slot_at(9, 1) + 40);
  expect_row(8, 1, contents(3), 1);
  expect_one_issue(9, RowCondition::kRepairedOnNextWrite);
}

TEST_F(NvmSpareCorrupt, ARemappedRowDamagedBehindTheOpenImageNamesRowAndSpare) {
  NvmImage image = NvmImage::open(path_);
  image.remap_row(1, 3, contents(3));
  test::flip_byte(path_, slot_at(8, 1) + 40);  // the slot the row now reads
  std::vector<uint8_t> row(kGeometry.row_bytes);
  EXPECT_THAT([&] { image.read_row(1, 3, row); },
              ::testing::ThrowsMessage<NvmImageError>(
                  AllOf(HasSubstr(path_.string()),
                        HasSubstr("tile 1 row 3 (on spare 0, row 8): slot 1 changed on disk "
                                  "behind the open image (checksum mismatch)"))));
  VerifyReport report = image.verify();
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.rows_remapped, 1u);
  ASSERT_EQ(report.issues.size(), 1u) << report.summary();
  EXPECT_EQ(report.issues[0].row, 8u);
  EXPECT_EQ(report.issues[0].condition, RowCondition::kDiverged);
  EXPECT_THAT(report.summary(),
              HasSubstr("tile 1 row 8: changed on disk behind the open image (tile 1 row 8 "
                        "(spare 0): slot 0 valid, seq 0; slot 1 checksum mismatch)"));
}

TEST_F(NvmSpareCorrupt, ASpareHoldingAnImpossibleRowIsReportedThenRefused) {
  // Row 8 is tile 1's first spare, so no spare can hold it.
  std::optional<NvmImage> open = NvmImage::open(path_);
  set_holds(9, 0, 8);  // the slot the open image reads spare 1 from
  VerifyReport report = open->verify();
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.issues.size(), 1u) << report.summary();
  EXPECT_EQ(report.issues[0].row, 9u);
  EXPECT_EQ(report.issues[0].condition, RowCondition::kDiverged);
  EXPECT_THAT(report.issues[0].detail,
              HasSubstr("tile 1 row 9 (spare 1): slot 0 spare holds row 8, not one of rows 0..7 "
                        "or none; slot 1 valid, seq 0"));
  open.reset();
  expect_one_issue(9, RowCondition::kRepairedOnNextWrite);  // slot 1 still holds no row

  set_holds(9, 1, 8);
  std::vector<uint8_t> before = test::read_bytes(path_);
  EXPECT_THAT([&] { NvmImage::open(path_); },
              ::testing::ThrowsMessage<NvmImageError>(
                  AllOf(HasSubstr(path_.string()), HasSubstr("tile 1 row 9 (spare 1)"),
                        HasSubstr("spare holds row 8"), HasSubstr("both slots are bad"))));
  EXPECT_EQ(test::read_bytes(path_), before) << "a refused image must not be written";
}

TEST_F(NvmSpareCorrupt, ARowHoldingAnotherRowIsRefused) {
  set_holds(3, 0, 4);  // slot 0 holds row 3's newest contents
  set_holds(3, 1, 4);
  EXPECT_THAT([&] { NvmImage::open(path_); },
              ::testing::ThrowsMessage<NvmImageError>(AllOf(
                  HasSubstr("tile 1 row 3: slot 0 holds row 4 instead of its own; slot 1 holds "
                            "row 4 instead of its own"),
                  HasSubstr("both slots are bad"))));
}

TEST_F(NvmSpareCorrupt, TruncationNamesTheSpareItCutsInto) {
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  bytes.resize(slot_at(9, 0) + kSlot + 5);  // into tile 1 spare 1's slot 1
  test::write_bytes(path_, bytes);
  EXPECT_THAT([&] { NvmImage::open(path_); },
              ::testing::ThrowsMessage<NvmImageError>(
                  AllOf(HasSubstr("tile 1 row 9 (spare 1): truncated: file has 6597 of 6656 "
                                  "bytes"))));
}

}  // namespace
}  // namespace hycim::nvm
