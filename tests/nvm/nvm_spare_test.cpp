// Spare rows through the public API: a remapped row reads, writes and wears
// on its spare, survives reopening, and the spares run out with an error that
// changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using test::row_pattern;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Remap = NvmImage::Remap;

// 3 tiles of 8 rows of 32 bytes, 4 spare rows each: 12 physical rows a tile.
const Geometry kSpared{3, 8, 32, 4};

std::vector<uint8_t> read(const NvmImage& image, uint32_t tile, uint32_t row) {
  std::vector<uint8_t> out(image.geometry().row_bytes);
  image.read_row(tile, row, out);
  return out;
}

// A row's contents for the test: distinct per tile, row and version.
std::vector<uint8_t> contents(uint32_t tile, uint32_t row, uint64_t version) {
  return row_pattern(tile, row, 1000 + version, kSpared.row_bytes);
}

class NvmImageSpares : public ::testing::Test {
 protected:
  NvmImage create() { return NvmImage::create(path_, kSpared); }

  test::TempDir dir_;
  std::filesystem::path path_ = dir_.file("spared.nvm");
};

// Wear counts program pulses: a write that took three (write-verify's
// repeats) adds three, on a row's own place and on a spare, kept across a
// reopen; a write of no pulse would not move the sequence and is refused.
TEST_F(NvmImageSpares, WearGrowsByThePulsesAWriteTook) {
  {
    NvmImage image = create();
    image.write_row(1, 2, contents(1, 2, 0), 0, 3);
    EXPECT_EQ(image.wear(1, 2), 3u);
    image.remap_row(1, 2, contents(1, 2, 1), 0, 2);
    EXPECT_EQ(image.wear(1, 2), 2u);
    image.write_row(1, 2, contents(1, 2, 2), 0, 4);
    EXPECT_EQ(image.wear(1, 2), 6u);
    EXPECT_THAT([&] { image.write_row(1, 3, contents(1, 3, 0), 0, 0); },
                ::testing::ThrowsMessage<std::invalid_argument>(HasSubstr("no program pulse")));
    EXPECT_EQ(image.wear(1, 3), 0u);
  }
  NvmImage image = NvmImage::open(path_);
  EXPECT_EQ(image.wear(1, 2), 6u);
  EXPECT_EQ(read(image, 1, 2), contents(1, 2, 2));
}

TEST_F(NvmImageSpares, AGeometryWithSparesRoundTripsAndSizesTheFile) {
  EXPECT_EQ(kSpared.physical_rows_per_tile(), 12u);
  EXPECT_EQ(kSpared.rows(), 24u);
  EXPECT_EQ(kSpared.physical_rows(), 36u);
  { NvmImage image = create(); }
  // Header block, then 36 row blocks of two 64-byte slots.
  EXPECT_EQ(std::filesystem::file_size(path_), 4096u + 36u * 128u);
  EXPECT_EQ(format::file_bytes_for(kSpared), 8704u);
  NvmImage image = NvmImage::open(path_);
  EXPECT_EQ(image.geometry(), kSpared);
  for (uint32_t t = 0; t < 3; ++t) {
    EXPECT_EQ(image.spares_used(t), 0u);
    EXPECT_TRUE(image.remaps(t).empty());
    for (uint32_t r = 0; r < 8; ++r) EXPECT_EQ(image.physical_row(t, r), r);
  }
  VerifyReport report = image.verify();
  EXPECT_TRUE(report.clean()) << report.summary();
  EXPECT_EQ(report.rows_checked, 36u);
  EXPECT_EQ(report.rows_remapped, 0u);
}

TEST_F(NvmImageSpares, AnotherSpareCountIsRefusedNamingBoth) {
  { NvmImage image = create(); }
  std::vector<uint8_t> before = test::read_bytes(path_);
  EXPECT_THAT(
      [&] {
        NvmImage::open_or_create(path_, {3, 8, 32, 8});
      },
      ::testing::ThrowsMessage<NvmImageError>(AllOf(
          HasSubstr(path_.string()), HasSubstr("geometry 3x8x32 (tiles x rows x bytes), 4 spare"),
          HasSubstr("requested 3x8x32, 8 spare rows per tile"))));
  EXPECT_THAT(
      [&] {
        NvmImage::open_or_create(path_, {3, 8, 32});
      },
      ::testing::ThrowsMessage<NvmImageError>(HasSubstr("requested 3x8x32, 0 spare rows")));
  EXPECT_EQ(test::read_bytes(path_), before);
}

TEST_F(NvmImageSpares, ARemappedRowReadsItsSpareBeforeAndAfterReopening) {
  {
    NvmImage image = create();
    for (uint64_t w = 1; w <= 3; ++w) image.write_row(1, 5, contents(1, 5, w), 0.25f);
    image.remap_row(1, 5, contents(1, 5, 4), 0.5f);
    EXPECT_EQ(image.physical_row(1, 5), 8u);
    EXPECT_EQ(image.spares_used(1), 1u);
    EXPECT_EQ(image.spares_used(0), 0u);
    EXPECT_EQ(image.wear(1, 5), 1u) << "the spare's own wear: its first write";
    EXPECT_EQ(image.programmed_at(1, 5), 0.5f);
    EXPECT_EQ(read(image, 1, 5), contents(1, 5, 4));
    EXPECT_THAT(image.remaps(1), ElementsAre(Remap{5, 8, 1}));
  }
  NvmImage image = NvmImage::open(path_);
  EXPECT_EQ(image.physical_row(1, 5), 8u);
  EXPECT_EQ(image.spares_used(1), 1u);
  EXPECT_EQ(image.wear(1, 5), 1u);
  EXPECT_EQ(image.programmed_at(1, 5), 0.5f);
  EXPECT_EQ(read(image, 1, 5), contents(1, 5, 4));
  EXPECT_THAT(image.remaps(1), ElementsAre(Remap{5, 8, 1}));
  EXPECT_TRUE(image.remaps(0).empty());
  EXPECT_EQ(read(image, 1, 4), std::vector<uint8_t>(32, 0));  // neighbours untouched
  EXPECT_EQ(read(image, 0, 5), std::vector<uint8_t>(32, 0));
  EXPECT_EQ(image.physical_row(2, 5), 5u);
  VerifyReport report = image.verify();
  EXPECT_TRUE(report.clean()) << report.summary();
  EXPECT_EQ(report.rows_remapped, 1u);
  EXPECT_THAT(report.summary(), HasSubstr("36 rows checked, 1 remapped to spare rows, 0 issues"));
}

TEST_F(NvmImageSpares, RemappingAgainMovesToTheNextSpare) {
  {
    NvmImage image = create();
    image.remap_row(2, 0, contents(2, 0, 1));
    image.remap_row(2, 3, contents(2, 3, 1));
    image.remap_row(2, 0, contents(2, 0, 2));  // spare 8 still says it holds row 0
    EXPECT_EQ(image.physical_row(2, 0), 10u);
    EXPECT_EQ(image.physical_row(2, 3), 9u);
    EXPECT_EQ(image.spares_used(2), 3u);
  }
  NvmImage image = NvmImage::open(path_);  // the highest spare holding row 0 wins
  EXPECT_EQ(image.physical_row(2, 0), 10u);
  EXPECT_EQ(image.physical_row(2, 3), 9u);
  EXPECT_EQ(image.spares_used(2), 3u);
  EXPECT_THAT(image.remaps(2), ElementsAre(Remap{0, 10, 1}, Remap{3, 9, 1}));
  EXPECT_EQ(read(image, 2, 0), contents(2, 0, 2));
  EXPECT_EQ(read(image, 2, 3), contents(2, 3, 1));
  EXPECT_EQ(image.verify().rows_remapped, 2u);
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

TEST_F(NvmImageSpares, WritingARemappedRowKeepsItOnItsSpare) {
  const auto own = static_cast<ptrdiff_t>(format::row_block_offset(kSpared, 0, 7));
  std::vector<uint8_t> before;
  {
    NvmImage image = create();
    image.write_row(0, 7, contents(0, 7, 1));
    image.remap_row(0, 7, contents(0, 7, 2));
    before = test::read_bytes(path_);
    image.write_row(0, 7, contents(0, 7, 3), 1.5f);
    image.write_row(0, 7, contents(0, 7, 4), 2.5f);
    EXPECT_EQ(image.physical_row(0, 7), 8u);
    EXPECT_EQ(image.wear(0, 7), 3u);
    EXPECT_EQ(image.programmed_at(0, 7), 2.5f);
    EXPECT_EQ(read(image, 0, 7), contents(0, 7, 4));
  }
  std::vector<uint8_t> after = test::read_bytes(path_);
  EXPECT_TRUE(std::equal(before.begin() + own, before.begin() + own + 128, after.begin() + own))
      << "the row's own block stays as it was";
  NvmImage image = NvmImage::open(path_);
  EXPECT_EQ(image.physical_row(0, 7), 8u);
  EXPECT_EQ(image.wear(0, 7), 3u);
  EXPECT_EQ(image.programmed_at(0, 7), 2.5f);
  EXPECT_EQ(read(image, 0, 7), contents(0, 7, 4));
  EXPECT_THAT(image.remaps(0), ElementsAre(Remap{7, 8, 3}));
}

TEST_F(NvmImageSpares, RunningOutOfSparesNamesTileAndRowAndChangesNothing) {
  {
    NvmImage image = create();
    for (uint32_t r = 0; r < 4; ++r) image.remap_row(2, r, contents(2, r, 1));
    image.write_row(2, 6, contents(2, 6, 1));
    std::vector<uint8_t> before = test::read_bytes(path_);
    EXPECT_THAT([&] { image.remap_row(2, 6, contents(2, 6, 2)); },
                ::testing::ThrowsMessage<NvmImageError>(
                    AllOf(HasSubstr(path_.string()),
                          HasSubstr("tile 2 row 6: no free spare row (all 4 in use)"))));
    EXPECT_EQ(test::read_bytes(path_), before);
    EXPECT_EQ(image.physical_row(2, 6), 6u);
    EXPECT_EQ(image.wear(2, 6), 1u);
    EXPECT_EQ(image.spares_used(2), 4u);
    EXPECT_EQ(image.spares_used(1), 0u) << "other tiles keep their spares";
  }
  NvmImage image = NvmImage::open(path_);
  EXPECT_EQ(image.spares_used(2), 4u);
  EXPECT_EQ(image.physical_row(2, 6), 6u);
  EXPECT_EQ(read(image, 2, 6), contents(2, 6, 1));
  EXPECT_THAT(image.remaps(2),
              ElementsAre(Remap{0, 8, 1}, Remap{1, 9, 1}, Remap{2, 10, 1}, Remap{3, 11, 1}));
  image.remap_row(1, 6, contents(1, 6, 1));
  EXPECT_EQ(image.physical_row(1, 6), 8u);
}

TEST_F(NvmImageSpares, AnImageWithoutSparesRefusesEveryRemap) {
  NvmImage image = NvmImage::create(path_, {1, 4, 8});
  EXPECT_THAT([&] { image.remap_row(0, 3, std::vector<uint8_t>(8, 1)); },
              ::testing::ThrowsMessage<NvmImageError>(
                  HasSubstr("tile 0 row 3: no free spare row (all 0 in use)")));
  EXPECT_EQ(image.spares_used(0), 0u);
}

TEST_F(NvmImageSpares, MisuseOfTheSpareApiIsRefusedWithoutTouchingTheFile) {
  NvmImage image = create();
  std::vector<uint8_t> before = test::read_bytes(path_);
  std::vector<uint8_t> row(32), small(31);
  EXPECT_THROW(image.remap_row(3, 0, row), std::out_of_range);
  EXPECT_THROW(image.remap_row(0, 8, row), std::out_of_range) << "row 8 is a spare, not a row";
  EXPECT_THROW(image.remap_row(0, 0, small), std::invalid_argument);
  EXPECT_THROW(image.physical_row(0, 8), std::out_of_range);
  EXPECT_THROW(image.spares_used(3), std::out_of_range);
  EXPECT_THROW(image.remaps(3), std::out_of_range);
  EXPECT_THROW(image.read_row(0, 8, row), std::out_of_range);
  EXPECT_EQ(image.spares_used(0), 0u);
  EXPECT_EQ(test::read_bytes(path_), before);
}

TEST_F(NvmImageSpares, MoreThanSixteenBitsOfPhysicalRowsAreRefused) {
  EXPECT_THAT(
      [&] {
        NvmImage::create(path_, {1, 0xFFF0, 8, 0x10});
      },
      ::testing::ThrowsMessage<NvmImageError>(
          HasSubstr("65520 rows and 16 spare rows per tile exceed the limit of 65535")));
  EXPECT_THAT(
      [&] {
        NvmImage::create(path_, {1, 8, 8, 0xFFFFFFFF});
      },
      ::testing::ThrowsMessage<NvmImageError>(HasSubstr("exceed the limit of 65535")));
  EXPECT_FALSE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace hycim::nvm
