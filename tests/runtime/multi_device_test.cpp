// A device group as one engine: global tile numbers route to the right
// device, a weight matrix spread over all devices multiplies exactly, the
// group's clock advances by the slowest device per operation, and devices of
// different tile geometries are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "runtime/cim/multi_engine.hpp"
#include "runtime/cim/weight_plan.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::cim {
namespace {

std::unique_ptr<MvmEngine> small_tiles(uint32_t tiles) {
  return test::device_engine(tiles);  // small: 32 NVM rows x 8 lanes
}

MultiDeviceEngine group_of(uint32_t a, uint32_t b) {
  std::vector<std::unique_ptr<MvmEngine>> d;
  d.push_back(small_tiles(a));
  d.push_back(small_tiles(b));
  return MultiDeviceEngine(std::move(d));
}

TEST(MultiDevice, MatrixOverTwoDevicesIsExact) {
  MultiDeviceEngine g = group_of(2, 3);
  ASSERT_EQ(g.geometry().tiles, 5u);
  NvmResidency residency(ResidentCatalog(g.geometry()));
  // 40 x 20: 2 row blocks x 3 lane blocks = 6 blocks over 5 tiles of 2 devices.
  const uint32_t m = 3, k = 40, n = 20;
  std::vector<uint8_t> a(m * k), w(k * n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 37 + 11);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(i * 53 + 5);
  CimMatrix mat(g, w, k, n, true, "w");
  mat.place(residency, true, nullptr);
  std::set<uint32_t> tiles;
  for (const Block& b : mat.blocks()) tiles.insert(b.tile);
  EXPECT_EQ(tiles, (std::set<uint32_t>{0, 1, 2, 3, 4}));
  std::vector<int32_t> c(m * n), expect(m * n, 0);
  mat.multiply(a, m, true, c);
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j)
      for (uint32_t kk = 0; kk < k; ++kk)
        expect[i * n + j] += int32_t{static_cast<int8_t>(a[i * k + kk])} *
                             int32_t{static_cast<int8_t>(w[kk * n + j])};
  EXPECT_EQ(c, expect);
  // Tiles 2..4 are the second device's 0..2: its cycles show through.
  EXPECT_GT(g.cycles(4), 0u);
}

TEST(MultiDevice, ClockAdvancesByTheSlowestDevice) {
  MultiDeviceEngine g = group_of(1, 1);
  std::vector<uint8_t> rows(32 * 8, 1);
  g.program(0, 0, rows);  // device 0 only
  const double after_one = g.device_time_ns();
  EXPECT_GT(after_one, 0);
  g.program(1, 0, rows);  // device 1: the same work
  EXPECT_DOUBLE_EQ(g.device_time_ns(), 2 * after_one);
  std::vector<uint8_t> x(32, 1);
  std::vector<int32_t> acc0(8), acc1(8);
  const std::vector<MvmJob> jobs = {{0, 0, x, acc0}, {1, 0, x, acc1}};
  const double before = g.device_time_ns();
  g.mvm(jobs);  // side by side: one MVM's time, not two
  const double one_mvm = g.device_time_ns() - before;
  g.mvm(std::span(jobs).first(1));
  EXPECT_DOUBLE_EQ(g.device_time_ns() - before, 2 * one_mvm);
  EXPECT_EQ(acc0, std::vector<int32_t>(8, 32));
  EXPECT_EQ(acc1, acc0);
}

TEST(MultiDevice, DifferentGeometriesAreRefused) {
  std::vector<std::unique_ptr<MvmEngine>> d;
  d.push_back(small_tiles(1));
  d.push_back(test::device_engine(4, "default"));
  try {
    MultiDeviceEngine g(std::move(d));
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("differ in tile geometry (8 lanes x 32 NVM rows "
                                               "vs 32 x 512)"));
  }
  EXPECT_THROW(group_of(1, 1).cycles(2), EngineError);
}

TEST(MultiDevice, TheSameDeviceTwiceIsRefused) {
  DriverEngineOptions o;
  o.uri = test::fresh_device_uri(2);
  std::vector<std::unique_ptr<MvmEngine>> d;
  d.push_back(std::make_unique<DriverEngine>(o));
  d.push_back(std::make_unique<DriverEngine>(o));  // a second context of the same device
  try {
    MultiDeviceEngine g(std::move(d));
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("is in the device group twice"));
  }
}

}  // namespace
}  // namespace hycim::cim
