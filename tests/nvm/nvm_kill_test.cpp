// Crash safety: a child process rewrites random rows as fast as it can and is
// SIGKILLed at a random moment, again and again. After every kill the image
// must open, every row must hold exactly the pattern of its wear count (so no
// row is torn or mixed with another), wear never goes back, and verify()
// passes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/child_process.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

constexpr int kIterations = 40;
constexpr int kMaxDelayUs = 50000;
// Few rows, so that rows are rewritten many times over the run; wide enough
// that a slot spans several sectors.
const Geometry kGeometry{2, 16, 1000};

// Blocks until the child says it has the image open.
void wait_ready(const test::RunningChild& child) {
  char c = 0;
  ASSERT_EQ(::read(child.stdout_fd, &c, 1), 1) << "child failed before opening the image";
  ASSERT_EQ(c, 'R');
}

TEST(NvmImageKill, EveryRowIsOldOrNewAfterRandomKills) {
  test::TempDir dir;
  const auto path = dir.file("dev.nvm");
  NvmImage::create(path, kGeometry);
  std::mt19937 rng(20261122);
  std::vector<uint64_t> last_wear(kGeometry.rows(), 0);
  std::vector<uint8_t> row(kGeometry.row_bytes);
  uint64_t total_writes = 0;

  for (int it = 0; it < kIterations; ++it) {
    test::RunningChild child = test::start_child({"hammer", path.string(), std::to_string(it)});
    wait_ready(child);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % kMaxDelayUs));
    test::kill_child(child);

    NvmImage image = NvmImage::open(path);
    total_writes = 0;
    for (uint32_t t = 0; t < kGeometry.tiles; ++t) {
      for (uint32_t r = 0; r < kGeometry.rows_per_tile; ++r) {
        uint64_t w = image.wear(t, r);
        uint64_t& last = last_wear[t * kGeometry.rows_per_tile + r];
        ASSERT_GE(w, last) << "iteration " << it << ": tile " << t << " row " << r;
        last = w;
        total_writes += w;
        image.read_row(t, r, row);
        ASSERT_EQ(row, test::row_pattern(t, r, w, kGeometry.row_bytes))
            << "iteration " << it << ": tile " << t << " row " << r << " wear " << w;
      }
    }
    VerifyReport report = image.verify();
    ASSERT_TRUE(report.ok()) << "iteration " << it << ": " << report.summary();
  }
  std::printf("%llu writes survived %d kills\n", static_cast<unsigned long long>(total_writes),
              kIterations);
  EXPECT_GT(total_writes, static_cast<uint64_t>(kIterations)) << "the child hardly wrote";
}

// The same while rows also move to spares (remap_row): after every kill each
// row is in the place it last moved to or a later one (the move in flight
// either took or did not), never on a spare another row holds, with exactly
// the contents last written there; the tile's claimed spares never go back.
TEST(NvmImageKill, EveryRowIsInItsOldOrNewPlaceAfterKillsDuringRemaps) {
  // Enough spares that the child is still claiming them in the last rounds.
  const Geometry g{2, 16, 1000, 160};
  test::TempDir dir;
  const auto path = dir.file("spared.nvm");
  NvmImage::create(path, g);
  std::mt19937 rng(20261205);
  std::vector<uint32_t> last_place(g.rows());
  for (uint64_t i = 0; i < g.rows(); ++i) last_place[i] = uint32_t(i % g.rows_per_tile);
  std::vector<uint64_t> last_wear(g.rows(), 0);
  std::vector<uint32_t> last_used(g.tiles, 0);
  std::vector<uint8_t> row(g.row_bytes);

  for (int it = 0; it < kIterations; ++it) {
    test::RunningChild child = test::start_child({"remap", path.string(), std::to_string(it)});
    wait_ready(child);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % kMaxDelayUs));
    test::kill_child(child);

    NvmImage image = NvmImage::open(path);
    for (uint32_t t = 0; t < g.tiles; ++t) {
      const uint32_t used = image.spares_used(t);
      ASSERT_GE(used, last_used[t]) << "iteration " << it << ": tile " << t;
      last_used[t] = used;
      std::set<uint32_t> places;
      for (uint32_t r = 0; r < g.rows_per_tile; ++r) {
        const uint32_t p = image.physical_row(t, r);
        const uint64_t w = image.wear(t, r);
        const uint64_t i = uint64_t{t} * g.rows_per_tile + r;
        const std::string where = "iteration " + std::to_string(it) + ": tile " +
                                  std::to_string(t) + " row " + std::to_string(r) + " on " +
                                  std::to_string(p) + " wear " + std::to_string(w);
        ASSERT_TRUE(p == r || (p >= g.rows_per_tile && p < g.rows_per_tile + used)) << where;
        ASSERT_TRUE(places.insert(p).second) << where << ": another row is there";
        ASSERT_GE(p, last_place[i]) << where;
        if (p == last_place[i]) {
          ASSERT_GE(w, last_wear[i]) << where;
        }
        last_place[i] = p;
        last_wear[i] = w;
        image.read_row(t, r, row);
        ASSERT_EQ(row, test::placed_pattern(t, r, p, w, g.row_bytes)) << where;
      }
    }
    VerifyReport report = image.verify();
    ASSERT_TRUE(report.ok()) << "iteration " << it << ": " << report.summary();
  }
  const uint32_t claimed = last_used[0] + last_used[1];
  std::printf("%u spares claimed over %d kills\n", claimed, kIterations);
  EXPECT_GT(claimed, 0u) << "the child never remapped a row";
}

// The same for the image's age (what `hycim nvm age` writes): killed while it
// ages the image step by step, the image opens with the age of a completed
// step (clock and seconds move together), never less than before, and its
// fault record intact.
TEST(NvmImageKill, TheAgeIsOldOrNewAfterRandomKills) {
  test::TempDir dir;
  const auto path = dir.file("aged.nvm");
  NvmImage::create(path, kGeometry, "{\"fault\": \"record\"}");
  std::mt19937 rng(20261203);
  double last = 0;
  for (int it = 0; it < kIterations; ++it) {
    test::RunningChild child = test::start_child({"age", path.string()});
    wait_ready(child);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % kMaxDelayUs));
    test::kill_child(child);
    NvmImage image = NvmImage::open(path);
    EXPECT_EQ(image.age().clock, image.age().seconds) << "iteration " << it;
    EXPECT_GE(image.age().clock, last) << "iteration " << it;
    EXPECT_EQ(image.age().clock, std::floor(image.age().clock)) << "a torn age record";
    EXPECT_EQ(image.fault_record(), "{\"fault\": \"record\"}");
    last = image.age().clock;
  }
  EXPECT_GT(last, double(kIterations)) << "the child hardly aged the image";
}

}  // namespace
}  // namespace hycim::nvm
