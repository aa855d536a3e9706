// The device's tile (fast model, and the Verilated RTL when built) against
// the CPU twin: the same int32 results for the same int8 GEMM, on random data
// and every signedness mix, at the small and the product tile configurations.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kernels/cpu/gemm_cpu.hpp"
#include "sim/tile/tile_model.hpp"
#include "tests/kernels/random_data.hpp"
#include "tests/kernels/tile_gemm.hpp"
#if HYCIM_HAVE_RTL
#include "sim/tile/rtl_tile.hpp"
#endif

namespace hycim::kernels {
namespace {

struct Case {
  std::string config;
  GemmShape shape;  // K at most NVM_ROWS, so the weights fit one tile
};

std::unique_ptr<tile::Tile> make_tile(const std::string& kind, const tile::TileConfig& cfg) {
#if HYCIM_HAVE_RTL
  if (kind == "rtl") return tile::make_rtl_tile(cfg);
#endif
  (void)kind;
  return std::make_unique<tile::TileModel>(cfg);
}

std::vector<std::string> tile_kinds() {
#if HYCIM_HAVE_RTL
  return {"model", "rtl"};
#else
  return {"model"};
#endif
}

class DeviceVsTwin : public ::testing::TestWithParam<std::string> {};

TEST_P(DeviceVsTwin, GemmMatchesOnRandomInt8Data) {
  const std::vector<Case> cases = {{"small", {5, 19, 29}},
                                   {"small", {1, 8, 32}},
                                   {"default", {3, 70, 300}},
                                   {"default", {2, 32, 512}},
                                   {"default", {4, 33, 1}}};
  unsigned seed = 40;
  for (const Case& c : cases) {
    const tile::TileConfig& cfg = tile::named_config(c.config);
#if HYCIM_HAVE_RTL
    if (GetParam() == "rtl" && !tile::rtl_available(cfg)) continue;
#endif
    const GemmShape& s = c.shape;
    for (Signedness sa : {Signedness::kSigned, Signedness::kUnsigned}) {
      for (Signedness sb : {Signedness::kSigned, Signedness::kUnsigned}) {
        const auto a = testing::random_bytes(static_cast<std::size_t>(s.m * s.k), ++seed);
        const auto b = testing::random_bytes(static_cast<std::size_t>(s.k * s.n), ++seed);
        std::vector<std::int32_t> want(static_cast<std::size_t>(s.m * s.n));
        gemm_cpu(s, a, {sa, {}}, b, {sb, {}}, want);
        const auto t = make_tile(GetParam(), cfg);
        ASSERT_EQ(testing::gemm_on_tile(*t, s, a, sa, b, sb), want)
            << c.config << " M=" << s.m << " N=" << s.n << " K=" << s.k;
      }
    }
  }
}

TEST_P(DeviceVsTwin, GemvIsOneMvm) {
  const tile::TileConfig& cfg = tile::named_config("default");
#if HYCIM_HAVE_RTL
  if (GetParam() == "rtl" && !tile::rtl_available(cfg)) GTEST_SKIP() << "default not verilated";
#endif
  const GemmShape s{1, 32, 512};
  const auto x = testing::random_bytes(512, 7);
  const auto w = testing::random_bytes(512 * 32, 8);
  std::vector<std::int32_t> want(32);
  gemv_cpu(s.k, s.n, x, {Signedness::kUnsigned, {}}, w, {Signedness::kSigned, {}}, want);
  const auto t = make_tile(GetParam(), cfg);
  EXPECT_EQ(testing::gemm_on_tile(*t, s, x, Signedness::kUnsigned, w, Signedness::kSigned), want);
}

INSTANTIATE_TEST_SUITE_P(Tiles, DeviceVsTwin, ::testing::ValuesIn(tile_kinds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hycim::kernels
