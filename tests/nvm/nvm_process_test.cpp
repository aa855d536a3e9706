// The image across process boundaries: what one process wrote, the next one
// reads; while one process has it open, another is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/child_process.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

using ::testing::HasSubstr;

TEST(NvmImageProcess, WritesOfAnExitedProcessPersist) {
  test::TempDir dir;
  const auto path = dir.file("dev.nvm");
  NvmImage::create(path, {4, 512, 32});
  for (int i = 0; i < 3; ++i) {
    test::ChildResult r = test::run_child({"write", path.string(), "2", "7"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_EQ(test::run_child({"write", path.string(), "3", "511"}).exit_code, 0);

  NvmImage image = NvmImage::open(path);
  std::vector<uint8_t> row(32);
  image.read_row(2, 7, row);
  EXPECT_EQ(image.wear(2, 7), 3u);
  EXPECT_EQ(row, test::row_pattern(2, 7, 3, 32));
  image.read_row(3, 511, row);
  EXPECT_EQ(row, test::row_pattern(3, 511, 1, 32));
  EXPECT_TRUE(image.verify().clean()) << image.verify().summary();
}

TEST(NvmImageProcess, SecondProcessIsRefusedWhileTheImageIsOpen) {
  test::TempDir dir;
  const auto path = dir.file("dev.nvm");
  std::optional<NvmImage> held = NvmImage::create(path, {1, 4, 8});
  test::ChildResult r = test::run_child({"open", path.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(path.string()));
  EXPECT_THAT(r.err, HasSubstr("in use by another process"));
  held.reset();
  r = test::run_child({"open", path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace hycim::nvm
