// Weight matrices larger than a tile: split over rows (partial sums added on
// the host), lanes and tiles; the products stay exact, the plan says where
// each block lives, and a full device is an explicit error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "runtime/cim/weight_plan.hpp"
#include "runtime/onnx/backend.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::cim {
namespace {

struct Product {
  std::vector<uint8_t> a, w;
  std::vector<int32_t> expect;
};

Product random_product(uint32_t m, uint32_t k, uint32_t n, bool as, bool ws, unsigned seed) {
  std::mt19937 rng(seed);
  Product p;
  p.a.resize(size_t{m} * k);
  p.w.resize(size_t{k} * n);
  for (auto& v : p.a) v = static_cast<uint8_t>(rng());
  for (auto& v : p.w) v = static_cast<uint8_t>(rng());
  auto val = [](uint8_t b, bool s) { return s ? int32_t{static_cast<int8_t>(b)} : int32_t{b}; };
  p.expect.assign(size_t{m} * n, 0);
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j)
      for (uint32_t kk = 0; kk < k; ++kk)
        p.expect[i * n + j] += val(p.a[i * k + kk], as) * val(p.w[kk * n + j], ws);
  return p;
}

class Plan : public ::testing::Test {};

TEST_F(Plan, SplitsRowsLanesAndTilesExactly) {
  // Small tile: 32 NVM rows, 8 lanes. 70 x 20 needs 3 row blocks x 3 lane blocks.
  auto owner = test::device_engine(8);
  DriverEngine& engine = *owner;
  NvmResidency residency(ResidentCatalog(engine.geometry()));
  for (bool as : {false, true})
    for (bool ws : {false, true}) {
      const auto p = random_product(3, 70, 20, as, ws, 7u + as * 2u + ws);
      CimMatrix w(engine, residency, p.w, 70, 20, ws, "w", false, this);
      ASSERT_EQ(w.blocks().size(), 9u);
      std::vector<int32_t> c(3 * 20);
      w.multiply(p.a, 3, as, c);
      EXPECT_EQ(c, p.expect) << "asigned " << as << " wsigned " << ws;
      std::set<uint32_t> tiles;
      for (const Block& b : w.blocks()) {
        EXPECT_LE(b.k1 - b.k0, 32u);
        EXPECT_LE(b.n1 - b.n0, 8u);
        tiles.insert(b.tile);
      }
      EXPECT_EQ(tiles.size(), 8u);  // blocks spread over every tile
      EXPECT_THAT(describe(w), ::testing::HasSubstr("k[64,70) n[16,20)->tile"));
      residency.release_scratch(this);
    }
}

TEST_F(Plan, FullDeviceIsAnExplicitError) {
  auto owner = test::device_engine(1);
  DriverEngine& engine = *owner;
  NvmResidency residency(ResidentCatalog(engine.geometry()));
  std::vector<uint8_t> w(size_t{40} * 8, 1);
  try {
    CimMatrix m(engine, residency, w, 40, 8, true, "big", true, nullptr);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("big k[32,40) n[0,8): no tile has 8 free NVM rows "
                                               "that are not worn out (32 of 32 rows hold this "
                                               "run's weights over 1 tiles)"));
  }
}

TEST_F(Plan, CpuAndTileBackendsGiveTheSameIntegers) {
  const auto p = random_product(5, 40, 13, false, true, 3);
  auto tiles = runtime::make_cim_backend(test::device_engine(6));
  auto cpu = runtime::make_cpu_backend();
  auto build = [&] {
    runtime::PreparedB b;
    b.k = 40, b.n = 13, b.is_signed = true, b.data = p.w;
    return b;
  };
  std::vector<int32_t> ct(5 * 13), cc(5 * 13);
  tiles->multiply(tiles->prepare("w", true, build), p.a, 5, false, ct);
  cpu->multiply(cpu->prepare("w", true, build), p.a, 5, false, cc);
  EXPECT_EQ(ct, p.expect);
  EXPECT_EQ(cc, p.expect);
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("w 40x13:"));
  // Per-run weights are freed at the end of a run; constant ones stay.
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 80 of 192"));
  tiles->prepare("tmp", false, build);
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 160 of 192"));
  tiles->end_run();
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 80 of 192"));
}

}  // namespace
}  // namespace hycim::cim
