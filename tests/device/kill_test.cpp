// A device process killed at random instants while it programs NVM rows
// through the command ring: the image still opens, and every row holds one
// whole pattern, the old or the new, never a mix (the NVM image's guarantee,
// seen through the device).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "sim/nvm/nvm_image.hpp"
#include "tests/device/device_test_support.hpp"
#include "tests/device/persistence_pattern.hpp"

extern char** environ;

namespace hycim::device::testing {
namespace {

namespace fs = std::filesystem;
constexpr unsigned kRows = 8, kSeed = 21;

pid_t spawn_loop(const fs::path& image) {
  const std::string img = image.string(), seed = std::to_string(kSeed),
                    rows = std::to_string(kRows);
  char* argv[] = {const_cast<char*>(HYCIM_DEVICE_CHILD),
                  const_cast<char*>(img.c_str()),
                  const_cast<char*>(seed.c_str()),
                  const_cast<char*>(rows.c_str()),
                  const_cast<char*>("loop"),
                  nullptr};
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, HYCIM_DEVICE_CHILD, nullptr, nullptr, argv, environ), 0);
  return pid;
}

TEST(DeviceKill, ProgrammingKilledAtRandomLeavesWholeRows) {
  const fs::path dir =
      fs::temp_directory_path() / ("hycim_device_kill_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path image = dir / "dev.nvm";
  const auto a = pattern(kSeed, kRows * 8), b = pattern(kSeed + 1, kRows * 8);
  std::mt19937 rng(7);
  for (int round = 0; round < 6; ++round) {
    const pid_t pid = spawn_loop(image);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(80 + rng() % 400));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!fs::exists(image)) continue;  // killed before the image was complete
    in_child([&] {
      DeviceConfig c = small_config(2);
      c.nvm_image = image;
      HostBench tb("tb", c);
      for (unsigned r = 0; r < kRows; ++r) {
        const auto row = tb.device().tile(1).peek_row(2 + r);
        const std::vector<uint8_t> ra(a.begin() + r * 8, a.begin() + r * 8 + 8),
            rb(b.begin() + r * 8, b.begin() + r * 8 + 8), zero(8, 0);
        EXPECT_TRUE(row == ra || row == rb || row == zero) << "round " << round << " row " << r;
      }
    });
  }
  // The kills landed while programming went on: many passes were written.
  uint64_t writes = 0;
  {
    const auto img = nvm::NvmImage::open(image);
    for (unsigned r = 0; r < kRows; ++r) writes += img.wear(1, 2 + r);
  }
  EXPECT_GT(writes, 4u * kRows);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hycim::device::testing
