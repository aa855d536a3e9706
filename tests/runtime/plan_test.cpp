// Weight matrices larger than a tile: split over rows (partial sums added on
// the host), lanes and tiles; the products stay exact, the plan says where
// each block lives, and a full device is an explicit error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "runtime/cim/free_rows.hpp"
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
      CimMatrix w(engine, p.w, 70, 20, ws, "w");
      w.place(residency, false, this);
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
    CimMatrix m(engine, w, 40, 8, true, "big");
    m.place(residency, true, nullptr);
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
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 80 of 192 (41.7%)"));
  tiles->prepare("tmp", false, build);
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 160 of 192"));
  tiles->end_run();
  EXPECT_THAT(tiles->plan(), ::testing::HasSubstr("NVM rows in use: 80 of 192"));
}

TEST(FreeRows, BestFitTakesTheShortestGapAndMergesOnGive) {
  FreeRows f(3, 32);
  EXPECT_EQ(f.free_rows(), 96u);
  ASSERT_TRUE(f.take(0, 0, 20));  // tile 0: 12 free at 20
  ASSERT_TRUE(f.take(1, 8, 8));   // tile 1: 8 free at 0, 16 free at 16
  EXPECT_FALSE(f.take(1, 10, 2)) << "rows already taken";
  EXPECT_FALSE(f.take(3, 0, 1)) << "no tile 3";
  auto g = f.best_fit(10);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tile, 0u);  // 12 rows: the shortest gap of at least 10
  EXPECT_EQ(g->row, 20u);
  g = f.best_fit(14);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->tile, 1u);
  EXPECT_EQ(g->row, 16u);
  EXPECT_FALSE(f.best_fit(33));
  f.give(1, 8, 8);  // merges with both neighbours: the whole tile again
  ASSERT_EQ(f.gaps(1).size(), 1u);
  EXPECT_EQ(f.gaps(1)[0].rows, 32u);
  // Equal gaps rotate from the tile asked for.
  EXPECT_EQ(f.best_fit(32, 2)->tile, 2u);
  EXPECT_EQ(f.best_fit(32, 0)->tile, 1u);
  EXPECT_EQ(f.free_rows(), 76u);
}

// A model's blocks in layer order, small ones first, as MobileNetV2's are:
// one block at a time (first fit in model order) strands the big blocks;
// placed together, largest first, they fill the device.
TEST(DensePlacement, PlaceAllFillsTheDeviceWhereBlockByBlockFails) {
  auto owner = test::device_engine(8);  // small: 8 tiles x 32 NVM rows x 8 lanes = 256 rows
  DriverEngine& engine = *owner;
  std::vector<uint32_t> sizes;
  for (int i = 0; i < 7; ++i) sizes.push_back(9);   // depthwise-like: 63 rows
  for (int i = 0; i < 4; ++i) sizes.push_back(4);   // 16 rows
  for (int i = 0; i < 4; ++i) sizes.push_back(23);  // 92 rows
  for (int i = 0; i < 3; ++i) sizes.push_back(28);  // 84 rows: 255 of 256 in all (99.6 %)
  std::vector<std::vector<uint8_t>> data;
  std::vector<NvmResidency::Request> requests;
  for (size_t i = 0; i < sizes.size(); ++i) {
    data.emplace_back(size_t{sizes[i]} * 8, static_cast<uint8_t>(i + 1));
    data.back()[0] = static_cast<uint8_t>(100 + i);  // distinct contents
  }
  for (size_t i = 0; i < sizes.size(); ++i) requests.push_back({data[i], fmt::format("b{}", i)});
  {
    NvmResidency one_by_one(ResidentCatalog(engine.geometry()), [](const std::string&) {});
    EXPECT_THROW(for (const auto& r
                      : requests) one_by_one.place(engine, r.rows, r.label, true, nullptr),
                 EngineError);
  }
  NvmResidency residency(ResidentCatalog(engine.geometry()));
  EXPECT_EQ(residency.shortfall(engine, requests).rows_short, 0u);
  const auto at = residency.place_all(engine, requests, true);
  for (size_t i = 0; i < at.size(); ++i) {
    ASSERT_TRUE(at[i]) << requests[i].label;
    std::vector<uint8_t> back(data[i].size());
    engine.read(at[i]->first, at[i]->second, back);
    EXPECT_EQ(back, data[i]) << requests[i].label;
  }
  EXPECT_EQ(residency.used_rows(), 255u);
  EXPECT_GE(double(residency.used_rows()) / 256.0, 0.95);
  // One more block of 9 rows does not fit: refused whole, naming the shortfall, nothing programmed.
  std::vector<uint8_t> extra(9 * 8, 77);
  const NvmResidency::Request more[] = {{extra, "extra"}};
  try {
    residency.place_all(engine, more, true);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("they need 9 more rows, 1 rows are free"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("9 rows (1 tiles' worth) short"));
  }
  EXPECT_EQ(residency.counters().blocks_programmed, sizes.size());
}

// Streamed blocks are programmed group by group into the stream region and
// give the same integers as resident ones; each block is written once per
// multiply however many input rows there are.
TEST(WeightStreaming, StreamedProductsEqualResidentOnes) {
  // Default tile (512 rows x 32 lanes): 1100 x 70 is 3 row blocks x 3 lane blocks.
  const auto p = random_product(6, 1100, 70, true, true, 11);
  auto owner = test::device_engine(3, "default");
  DriverEngine& engine = *owner;
  NvmResidency residency(ResidentCatalog(engine.geometry()));
  WeightStream stream(residency.reserve_tiles(engine, 2, &stream));  // tiles 1 and 2
  EXPECT_EQ(stream.region_tiles(), 2u);
  EXPECT_EQ(stream.region_rows(), 1024u);
  EXPECT_EQ(residency.free_rows(), 512u);  // tile 0 is left for resident weights
  CimMatrix w(engine, p.w, 1100, 70, true, "w");
  w.stream_through(&stream);
  EXPECT_EQ(w.streamed_rows(), 3u * 1100);
  std::vector<int32_t> c(6 * 70);
  w.multiply(p.a, 6, true, c);
  EXPECT_EQ(c, p.expect);
  EXPECT_EQ(stream.rows_written(), 3300u);  // every block once, for all 6 input rows
  EXPECT_EQ(stream.groups(), 5u);           // one block per tile at a time: 9 blocks over 2
  EXPECT_THAT(describe(w), ::testing::HasSubstr("k[0,512) n[0,32)->streamed;"));
  w.multiply(p.a, 6, true, c);
  EXPECT_EQ(c, p.expect);
  EXPECT_EQ(stream.rows_written(), 6600u);
}

}  // namespace
}  // namespace hycim::cim

namespace hycim::cim {
namespace {

// Format 2.0's 16-bit tile field: tiles past 255 are their own (a byte would
// have wrapped tile 299 onto tile 43), and one past the device is refused.
TEST(WideTileIndex, TilesPast255AreAddressedExactly) {
  auto owner = test::device_engine(300);
  DriverEngine& engine = *owner;
  EXPECT_EQ(engine.geometry().tiles, 300u);
  const std::vector<uint8_t> rows(2 * 8, 0x5a), zero(2 * 8, 0);
  engine.program(299, 3, rows);
  std::vector<uint8_t> back(rows.size());
  engine.read(299, 3, back);
  EXPECT_EQ(back, rows);
  engine.read(299 - 256, 3, back);
  EXPECT_EQ(back, zero);
  try {
    engine.read(300, 0, back);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(),
                ::testing::HasSubstr("tile 300: READ_SRAM (rows 0.., count 2) answered BAD_TILE"));
  }
}

}  // namespace
}  // namespace hycim::cim
