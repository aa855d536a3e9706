// The third side of the triangle: the device's tile against the CUDA kernels
// directly (each is also checked against the CPU twin), on the same random
// int8 GEMMs. Skips, with the reason, where no GPU can be used.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/cuda/cublaslt_gemm.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "kernels/cuda/gemm_gpu.hpp"
#include "sim/tile/tile_model.hpp"
#include "tests/kernels/gpu_test.hpp"
#include "tests/kernels/random_data.hpp"
#include "tests/kernels/tile_gemm.hpp"

namespace hycim::kernels {
namespace {

using DeviceVsGpu = testing::GpuTest;

TEST_F(DeviceVsGpu, TileModelMatchesEveryGpuPath) {
  const tile::TileConfig& cfg = tile::named_config("default");
  unsigned seed = 300;
  for (const GemmShape& s : std::vector<GemmShape>{{1, 64, 512}, {7, 96, 300}}) {
    for (Signedness sa : {Signedness::kSigned, Signedness::kUnsigned}) {
      for (Signedness sb : {Signedness::kSigned, Signedness::kUnsigned}) {
        const auto a = testing::random_bytes(static_cast<std::size_t>(s.m * s.k), ++seed);
        const auto b = testing::random_bytes(static_cast<std::size_t>(s.k * s.n), ++seed);
        tile::TileModel t(cfg);
        const std::vector<std::int32_t> device = testing::gemm_on_tile(t, s, a, sa, b, sb);

        const DeviceBuffer<std::uint8_t> da{std::span<const std::uint8_t>(a)};
        const DeviceBuffer<std::uint8_t> db{std::span<const std::uint8_t>(b)};
        DeviceBuffer<std::int32_t> dc(device.size());
        for (GemmPath path : {GemmPath::kDp4a, GemmPath::kTensorCore, GemmPath::kGemv}) {
          if (path == GemmPath::kGemv && s.m != 1) continue;
          gemm_gpu(s, da.span(), {sa, {}}, db.span(), {sb, {}}, dc.span(), path);
          ASSERT_EQ(dc.download(), device) << gemm_path_name(path) << " M=" << s.m;
        }
        CublasLtGemm lt;
        lt.set_weights(s.k, s.n, db.span(), {sb, {}});
        lt.run(s.m, da.span(), {sa, {}}, dc.span());
        ASSERT_EQ(dc.download(), device) << "cuBLASLt M=" << s.m;
      }
    }
  }
}

}  // namespace
}  // namespace hycim::kernels
