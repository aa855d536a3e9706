// NvmImage through its public API in one process: contents, wear, lifetime,
// locking and misuse.
#include "sim/nvm/nvm_image.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/nvm/format.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using test::row_pattern;
using ::testing::HasSubstr;

const Geometry kDevice{4, 512, 32};

std::vector<uint8_t> read(const NvmImage& image, uint32_t tile, uint32_t row) {
  std::vector<uint8_t> out(image.geometry().row_bytes);
  image.read_row(tile, row, out);
  return out;
}

void write_next(NvmImage& image, uint32_t tile, uint32_t row) {
  image.write_row(tile, row,
                  row_pattern(tile, row, image.wear(tile, row) + 1, image.geometry().row_bytes));
}

TEST(NvmImage, CreatedImageIsZeroWithNoWear) {
  test::TempDir dir;
  NvmImage image = NvmImage::create(dir.file("a.nvm"), kDevice);
  EXPECT_EQ(image.geometry(), kDevice);
  EXPECT_EQ(image.path(), dir.file("a.nvm"));
  EXPECT_EQ(read(image, 3, 511), std::vector<uint8_t>(32, 0));
  EXPECT_EQ(image.wear(0, 0), 0u);
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
  EXPECT_EQ(std::filesystem::file_size(image.path()), format::file_bytes_for(kDevice));
}

TEST(NvmImage, RowsRoundTripAndSurviveReopen) {
  test::TempDir dir;
  {
    NvmImage image = NvmImage::create(dir.file("a.nvm"), kDevice);
    for (int i = 0; i < 5; ++i) write_next(image, 1, 17);  // both slots, several times
    write_next(image, 0, 0);
    write_next(image, 3, 511);
    EXPECT_EQ(read(image, 1, 17), row_pattern(1, 17, 5, 32));
  }
  NvmImage image = NvmImage::open(dir.file("a.nvm"));
  EXPECT_EQ(image.geometry(), kDevice);
  EXPECT_EQ(image.wear(1, 17), 5u);
  EXPECT_EQ(read(image, 1, 17), row_pattern(1, 17, 5, 32));
  EXPECT_EQ(image.wear(3, 511), 1u);
  EXPECT_EQ(read(image, 3, 511), row_pattern(3, 511, 1, 32));
  EXPECT_EQ(read(image, 2, 17), std::vector<uint8_t>(32, 0));  // neighbours untouched
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

class NvmImageGeometry : public ::testing::TestWithParam<Geometry> {};

TEST_P(NvmImageGeometry, FirstAndLastRowsRoundTrip) {
  const Geometry g = GetParam();
  test::TempDir dir;
  {
    NvmImage image = NvmImage::create(dir.file("g.nvm"), g);
    write_next(image, 0, 0);
    write_next(image, g.tiles - 1, g.rows_per_tile - 1);
    write_next(image, g.tiles - 1, g.rows_per_tile - 1);
  }
  NvmImage image = NvmImage::open(dir.file("g.nvm"));
  EXPECT_EQ(image.geometry(), g);
  const uint64_t last_wear = g.rows() == 1 ? 3 : 2;  // one row: all three writes hit it
  EXPECT_EQ(read(image, 0, 0), row_pattern(0, 0, g.rows() == 1 ? 3 : 1, g.row_bytes));
  EXPECT_EQ(image.wear(g.tiles - 1, g.rows_per_tile - 1), last_wear);
  EXPECT_EQ(read(image, g.tiles - 1, g.rows_per_tile - 1),
            row_pattern(g.tiles - 1, g.rows_per_tile - 1, last_wear, g.row_bytes));
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

INSTANTIATE_TEST_SUITE_P(Shapes, NvmImageGeometry,
                         ::testing::Values(Geometry{1, 1, 1}, Geometry{4, 512, 32},
                                           Geometry{3, 7, 480}, Geometry{3, 7, 481},
                                           Geometry{2, 5, 4096}),
                         [](const ::testing::TestParamInfo<Geometry>& info) {
                           const Geometry& g = info.param;
                           return std::to_string(g.tiles) + "x" + std::to_string(g.rows_per_tile) +
                                  "x" + std::to_string(g.row_bytes);
                         });

TEST(NvmImage, CreateNeverReplacesAnExistingFile) {
  test::TempDir dir;
  test::write_bytes(dir.file("x"), {1, 2, 3});
  EXPECT_THAT([&] { NvmImage::create(dir.file("x"), kDevice); },
              ::testing::ThrowsMessage<NvmImageError>(HasSubstr("file exists")));
  EXPECT_EQ(test::read_bytes(dir.file("x")), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("")), {}), 1)
      << "no temporary file left behind";
}

TEST(NvmImage, CreateRefusesAnInvalidGeometry) {
  test::TempDir dir;
  EXPECT_THAT(
      [&] {
        NvmImage::create(dir.file("z"), {4, 0, 32});
      },
      ::testing::ThrowsMessage<NvmImageError>(HasSubstr("zero dimension")));
  EXPECT_THAT(
      [&] {
        NvmImage::create(dir.file("z"), {1, 1, format::kMaxRowBytes + 1});
      },
      ::testing::ThrowsMessage<NvmImageError>(HasSubstr("exceeds the limit")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("z")));
}

TEST(NvmImage, OpenOfAMissingFileNamesIt) {
  test::TempDir dir;
  EXPECT_THAT([&] { NvmImage::open(dir.file("missing.nvm")); },
              ::testing::ThrowsMessage<NvmImageError>(
                  HasSubstr(dir.file("missing.nvm").string() + ": cannot open")));
}

TEST(NvmImage, OpenOrCreateCreatesOnceThenOpens) {
  test::TempDir dir;
  {
    NvmImage image = NvmImage::open_or_create(dir.file("a.nvm"), kDevice);
    write_next(image, 2, 2);
  }
  NvmImage image = NvmImage::open_or_create(dir.file("a.nvm"), kDevice);
  EXPECT_EQ(image.wear(2, 2), 1u);
}

TEST(NvmImage, SecondOpenIsRefusedUntilTheFirstCloses) {
  test::TempDir dir;
  std::optional<NvmImage> first = NvmImage::create(dir.file("a.nvm"), kDevice);
  EXPECT_THAT([&] { NvmImage::open(dir.file("a.nvm")); },
              ::testing::ThrowsMessage<NvmImageError>(HasSubstr("in use")));
  EXPECT_THAT([&] { NvmImage::open_or_create(dir.file("a.nvm"), kDevice); },
              ::testing::ThrowsMessage<NvmImageError>(HasSubstr("in use")));
  first.reset();
  EXPECT_NO_THROW(NvmImage::open(dir.file("a.nvm")));
}

TEST(NvmImage, MovedImageKeepsItsFileAndLock) {
  test::TempDir dir;
  NvmImage a = NvmImage::create(dir.file("a.nvm"), kDevice);
  NvmImage b = std::move(a);
  write_next(b, 1, 1);
  EXPECT_THROW(NvmImage::open(dir.file("a.nvm")), NvmImageError);
  NvmImage c = NvmImage::create(dir.file("c.nvm"), kDevice);
  c = std::move(b);  // c.nvm's lock goes, a.nvm's moves
  EXPECT_EQ(c.wear(1, 1), 1u);
  EXPECT_NO_THROW(NvmImage::open(dir.file("c.nvm")));
  EXPECT_THROW(NvmImage::open(dir.file("a.nvm")), NvmImageError);
  EXPECT_THROW(a.wear(0, 0), std::out_of_range);  // NOLINT(bugprone-use-after-move)
}

TEST(NvmImage, MisuseIsRefusedWithoutTouchingTheFile) {
  test::TempDir dir;
  NvmImage image = NvmImage::create(dir.file("a.nvm"), kDevice);
  std::vector<uint8_t> row(32), small(31);
  EXPECT_THROW(image.read_row(4, 0, row), std::out_of_range);
  EXPECT_THROW(image.write_row(0, 512, row), std::out_of_range);
  EXPECT_THROW(image.wear(4, 0), std::out_of_range);
  EXPECT_THROW(image.read_row(0, 0, small), std::invalid_argument);
  EXPECT_THROW(image.write_row(0, 0, small), std::invalid_argument);
  EXPECT_EQ(image.wear(0, 0), 0u);
  EXPECT_TRUE(image.verify().clean());
}

}  // namespace
}  // namespace hycim::nvm
