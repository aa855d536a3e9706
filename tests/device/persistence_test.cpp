// NVM through the NVM image: weights programmed by one process are there, with
// their wear, when another opens a device on the same image; a corrupt image
// is refused with the image layer's message and left as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "sim/nvm/error.hpp"
#include "tests/device/device_test_support.hpp"
#include "tests/device/persistence_pattern.hpp"

namespace hycim::device::testing {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path =
      fs::temp_directory_path() / ("hycim_device_" + std::to_string(getpid()) + "_" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

int run_child(const fs::path& image, unsigned seed, unsigned rows) {
  // Built by append: GCC 12 warns falsely (-Warray-bounds) on a chain of
  // operator+ that starts from a string literal's std::string.
  std::string cmd = HYCIM_DEVICE_CHILD;
  cmd.append(" ").append(image.string()).append(" ").append(std::to_string(seed));
  cmd.append(" ").append(std::to_string(rows));
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

DeviceConfig persistent(const fs::path& image) {
  DeviceConfig c = small_config(2);
  c.nvm_image = image;
  return c;
}

TEST(DevicePersistence, WeightsAndWearSurviveTheProcess) {
  TempDir dir;
  const fs::path image = dir.path / "dev.nvm";
  ASSERT_EQ(run_child(image, 11, 4), 0);  // creates the image, programs tile 1 rows 2..5
  ASSERT_EQ(run_child(image, 12, 2), 0);  // programs rows 2..3 again in a new process
  in_child([&] {
    HostBench tb("tb", persistent(image));
    EXPECT_TRUE(tb.read(sd::reg::kCapFlags) & sd::cap_flags::kPersistentNvm);
    tb.setup();
    auto want = pattern(11, 32);
    const auto second = pattern(12, 16);
    std::copy(second.begin(), second.end(), want.begin());
    const auto done =
        tb.run({cmd::read_sram(1, 1, 2, 4, tb.data(0)), cmd::read_wear(2, 1, 2, 4, tb.data(64)),
                cmd::read_sram(3, 0, 2, 4, tb.data(128))});
    for (const auto& c : done) EXPECT_EQ(status_of(c), DevStatus::kOk);
    EXPECT_EQ(get(tb, tb.data(0), 32), want);
    uint32_t wear[4];
    std::memcpy(wear, tb.mem(tb.data(64), 16).data(), 16);
    EXPECT_EQ(wear[0], 2u);
    EXPECT_EQ(wear[1], 2u);
    EXPECT_EQ(wear[2], 1u);
    EXPECT_EQ(wear[3], 1u);
    EXPECT_EQ(get(tb, tb.data(128), 32), std::vector<uint8_t>(32, 0))
        << "tile 0 was never programmed";
    EXPECT_EQ(tb.device().tile(1).peek_row(5), std::vector<uint8_t>(want.begin() + 24, want.end()));
    // An MVM over the restored weights answers as over freshly programmed ones.
    std::vector<std::vector<uint8_t>> rows;
    for (size_t r = 0; r < 4; ++r)
      rows.emplace_back(want.begin() + 8 * r, want.begin() + 8 * r + 8);
    const std::vector<uint8_t> x = {3, 0xFE, 0x80, 127};
    const cmd::Widths wd{8, 8, true, true};
    put(tb, tb.data(256), x);
    const auto mvm =
        tb.run({cmd::mvm(4, 1, 2, 4, spec::kSmallTile.nvm_rows, tb.data(256), tb.data(512), wd)});
    ASSERT_EQ(status_of(mvm[0]), DevStatus::kOk);
    EXPECT_EQ(get_lanes(tb, tb.data(512), spec::kSmallTile.lanes), reference_mvm(rows, x, wd));
  });
}

TEST(DevicePersistence, CorruptImageIsRefusedWithItsMessage) {
  TempDir dir;
  const fs::path image = dir.path / "dev.nvm";
  ASSERT_EQ(run_child(image, 5, 1), 0);
  {
    std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);  // inside the header: its crc no longer matches
    f.put('\x7f');
  }
  std::ifstream before_in(image, std::ios::binary);
  const std::string before((std::istreambuf_iterator<char>(before_in)), {});
  in_child([&] {
    try {
      HostBench tb("tb", persistent(image));
      ADD_FAILURE() << "a corrupt image was accepted";
    } catch (const nvm::NvmImageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(image.string()), std::string::npos) << msg;
      EXPECT_NE(msg.find("header"), std::string::npos) << msg;
    }
  });
  std::ifstream after_in(image, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after_in)), {}), before);
}

TEST(DevicePersistence, ImageOfAnotherShapeIsRefused) {
  TempDir dir;
  const fs::path image = dir.path / "dev.nvm";
  ASSERT_EQ(run_child(image, 5, 1), 0);  // 2 tiles
  in_child([&] {
    DeviceConfig c = persistent(image);
    c.tiles = 3;
    EXPECT_THROW(HostBench("tb", c), nvm::NvmImageError);
  });
}

}  // namespace
}  // namespace hycim::device::testing
