// Damaged, foreign and mismatched files: each is refused with a message naming
// the file and the block, and the refusal writes nothing. Rows with one bad
// slot (what a torn write leaves) stay readable and are repaired by the next
// write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <span>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using test::row_pattern;
using ::testing::AllOf;
using ::testing::HasSubstr;

const Geometry kGeometry{2, 8, 32};
const uint32_t kSlot = format::slot_bytes_for(kGeometry.row_bytes);

class NvmImageCorrupt : public ::testing::Test {
 protected:
  // tile 1 row 3 written twice: slot 1 holds seq 1, slot 0 the newest, seq 2.
  void SetUp() override {
    NvmImage image = NvmImage::create(path_, kGeometry);
    for (uint64_t w = 1; w <= 2; ++w) image.write_row(1, 3, row_pattern(1, 3, w, 32));
  }

  uint64_t slot_at(uint32_t slot) const { return format::slot_offset(kGeometry, 1, 3, slot); }

  // open() must throw a message containing every part, and leave the file
  // byte for byte as it was.
  void expect_refused(std::vector<std::string> parts) {
    std::vector<uint8_t> before = test::read_bytes(path_);
    parts.push_back(path_.string());
    std::vector<::testing::Matcher<std::string>> m;
    for (const std::string& p : parts) m.push_back(HasSubstr(p));
    EXPECT_THAT([&] { NvmImage::open(path_); },
                ::testing::ThrowsMessage<NvmImageError>(::testing::AllOfArray(m)));
    EXPECT_THAT([&] { NvmImage::open_or_create(path_, kGeometry); },
                ::testing::Throws<NvmImageError>());
    EXPECT_EQ(test::read_bytes(path_), before) << "a refused image must not be written";
  }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_.file("dev.nvm");
};

TEST_F(NvmImageCorrupt, BadMagicIsForeign) {
  test::flip_byte(path_, 0);
  expect_refused({"header", "bad magic"});
}

TEST_F(NvmImageCorrupt, HeaderFieldFlipFailsTheChecksum) {
  test::flip_byte(path_, offsetof(format::FileHeader, rows_per_tile));
  expect_refused({"header", "checksum mismatch"});
}

// The header of an image written before spare rows: version 2, its crc right.
TEST_F(NvmImageCorrupt, AVersionTwoImageIsRefusedNamingTheRemedy) {
  format::FileHeader h = format::make_header(kGeometry);
  h.version = 2;
  h.crc = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(&h), offsetof(format::FileHeader, crc)));
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  std::memcpy(bytes.data(), &h, sizeof h);
  test::write_bytes(path_, bytes);
  expect_refused(
      {"header: version 2 image (written before spare rows); this build reads "
       "version 3: create a new image and program the weights again"});
}

TEST_F(NvmImageCorrupt, ForeignFilesAreRefused) {
  test::write_bytes(path_, std::vector<uint8_t>(10000, 'x'));
  expect_refused({"header", "not a hycim NVM image"});
  test::write_bytes(path_, {});
  expect_refused({"header", "bad magic"});
}

TEST_F(NvmImageCorrupt, TruncationNamesTheFirstMissingRow) {
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  bytes.resize(slot_at(1) + 5);  // cuts into tile 1 row 3's block
  test::write_bytes(path_, bytes);
  expect_refused({"tile 1 row 3", "truncated"});
  bytes.resize(40);
  test::write_bytes(path_, bytes);
  expect_refused({"header", "truncated"});
}

TEST_F(NvmImageCorrupt, TrailingDataIsRefused) {
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  bytes.push_back(0);
  test::write_bytes(path_, bytes);
  expect_refused({"trailing data"});
}

TEST_F(NvmImageCorrupt, RowWithBothSlotsBadIsRefused) {
  test::flip_byte(path_, slot_at(0) + 40);  // payload
  test::flip_byte(path_, slot_at(1) + 0);   // slot magic
  expect_refused({"tile 1 row 3", "both slots are bad", "checksum mismatch", "bad slot magic"});
}

TEST_F(NvmImageCorrupt, BlockCopiedFromAnotherRowIsRefused) {
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  uint64_t other = format::row_block_offset(kGeometry, 0, 0);
  std::copy_n(bytes.begin() + static_cast<ptrdiff_t>(other), 2 * kSlot,
              bytes.begin() + static_cast<ptrdiff_t>(slot_at(0)));
  test::write_bytes(path_, bytes);
  expect_refused({"tile 1 row 3", "belongs to tile 0 row 0"});
}

TEST_F(NvmImageCorrupt, OneBadOlderSlotIsReadableAndRepairedByTheNextWrite) {
  test::flip_byte(path_, slot_at(1) + 40);
  NvmImage image = NvmImage::open(path_);
  std::vector<uint8_t> row(32);
  image.read_row(1, 3, row);
  EXPECT_EQ(row, row_pattern(1, 3, 2, 32));
  VerifyReport report = image.verify();
  EXPECT_TRUE(report.ok()) << report.summary();
  ASSERT_EQ(report.issues.size(), 1u) << report.summary();
  EXPECT_EQ(report.issues[0].condition, RowCondition::kRepairedOnNextWrite);
  EXPECT_THAT(report.summary(),
              HasSubstr("tile 1 row 3: one slot damaged, repaired on next write"));
  image.write_row(1, 3, row_pattern(1, 3, 3, 32));
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

// What a write torn by a crash leaves: part of the new slot over the older one.
TEST_F(NvmImageCorrupt, TornWriteLeavesTheOldRow) {
  std::vector<uint8_t> slot(kSlot);
  format::encode_slot(slot, 1, 3, 1, 3, 3, row_pattern(1, 3, 3, 32));
  std::vector<uint8_t> bytes = test::read_bytes(path_);
  std::copy_n(slot.begin(), kSlot / 2, bytes.begin() + static_cast<ptrdiff_t>(slot_at(1)));
  test::write_bytes(path_, bytes);

  NvmImage image = NvmImage::open(path_);
  std::vector<uint8_t> row(32);
  image.read_row(1, 3, row);
  EXPECT_EQ(row, row_pattern(1, 3, 2, 32));
  EXPECT_EQ(image.wear(1, 3), 2u);
  EXPECT_TRUE(image.verify().ok());
}

// Found by tests/fuzz/nvm_image_fuzz.cpp: an age record with a right
// checksum but an age set_age() refuses (negative, NaN) was taken as the
// device's age.
TEST_F(NvmImageCorrupt, AnAgeSetAgeWouldRefuseIsADamagedCopy) {
  { NvmImage::open(path_).set_age({1.0, 10}); }  // copy 1, seq 1
  auto put_age = [&](uint32_t copy, uint64_t seq, double clock) {
    std::vector<uint8_t> bytes = test::read_bytes(path_);
    format::encode_age(std::span(bytes).subspan(format::kAgeRecordOffset[copy]), copy, seq, clock,
                       10);
    test::write_bytes(path_, bytes);
  };
  put_age(1, 7, -1.0);
  EXPECT_EQ(NvmImage::open(path_).age().clock, 0);  // copy 0 counts
  put_age(0, 0, std::nan(""));
  expect_refused({"header: both age records are damaged"});
}

// Found by tests/fuzz/nvm_image_fuzz.cpp: a write to a row whose wear counter
// is full wrapped its sequence number to 0, so on the next open the slot it
// replaced won and the write was lost.
TEST_F(NvmImageCorrupt, AFullWearCounterRefusesTheWriteAndKeepsTheRow) {
  const uint64_t full = std::numeric_limits<uint64_t>::max();
  const std::vector<uint8_t> old = row_pattern(1, 3, 9, 32);
  {
    std::vector<uint8_t> bytes = test::read_bytes(path_);
    format::encode_slot(std::span(bytes).subspan(slot_at(0), kSlot), 1, 3, 0, 3, full, old);
    test::write_bytes(path_, bytes);
  }
  {
    NvmImage image = NvmImage::open(path_);
    EXPECT_EQ(image.wear(1, 3), full);
    EXPECT_THAT(
        [&] { image.write_row(1, 3, row_pattern(1, 3, 10, 32)); },
        ::testing::ThrowsMessage<NvmImageError>(HasSubstr("tile 1 row 3: wear counter full")));
  }
  NvmImage image = NvmImage::open(path_);
  std::vector<uint8_t> back(32);
  image.read_row(1, 3, back);
  EXPECT_EQ(back, old);
  EXPECT_EQ(image.wear(1, 3), full);
}

TEST_F(NvmImageCorrupt, DamageBehindAnOpenImageIsReportedNotReturned) {
  NvmImage image = NvmImage::open(path_);
  test::flip_byte(path_, slot_at(0) + 40);  // the newest slot; the flock is advisory
  std::vector<uint8_t> row(32);
  EXPECT_THAT([&] { image.read_row(1, 3, row); },
              ::testing::ThrowsMessage<NvmImageError>(
                  AllOf(HasSubstr(path_.string()), HasSubstr("tile 1 row 3"))));
  VerifyReport report = image.verify();
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.issues.size(), 1u);
  EXPECT_EQ(report.issues[0].condition, RowCondition::kDiverged);
  image.write_row(1, 3, row_pattern(1, 3, 3, 32));  // goes to the intact slot
  image.read_row(1, 3, row);
  EXPECT_EQ(row, row_pattern(1, 3, 3, 32));
}

TEST_F(NvmImageCorrupt, VerifyReportsAHeaderDamagedBehindAnOpenImage) {
  NvmImage image = NvmImage::open(path_);
  test::flip_byte(path_, offsetof(format::FileHeader, tiles));
  VerifyReport report = image.verify();
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.header_problem, HasSubstr("checksum mismatch"));
}

TEST_F(NvmImageCorrupt, OtherGeometryIsRefusedAndLeftUnchanged) {
  std::vector<uint8_t> before = test::read_bytes(path_);
  EXPECT_THAT(
      [&] {
        NvmImage::open_or_create(path_, {2, 8, 64});
      },
      ::testing::ThrowsMessage<NvmImageError>(AllOf(HasSubstr(path_.string()), HasSubstr("header"),
                                                    HasSubstr("geometry 2x8x32"),
                                                    HasSubstr("requested 2x8x64"))));
  EXPECT_EQ(test::read_bytes(path_), before);
  EXPECT_NO_THROW(NvmImage::open(path_)) << "the refusal released the lock";
}

}  // namespace
}  // namespace hycim::nvm
