// ONNX's own MatMulInteger conformance case (libonnx-testdata): the CPU twin
// reproduces ONNX's expected int32 output, and the tile (fast model) gives the
// same numbers once the host applies the zero-point correction the runtime
// uses: C = AB - za*colsum(B) - zb*rowsum(A) + K*za*zb. The runtime's
// check-onnx runs the full set of integer cases on the device; this test ties
// the twin to the same cases.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/cpu/gemm_cpu.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "sim/tile/tile_model.hpp"
#include "tests/kernels/tile_gemm.hpp"

namespace hycim::kernels {
namespace {

namespace fs = std::filesystem;
using runtime::DType;

const fs::path kCase = "/usr/share/libonnx-testdata/data/node/test_matmulinteger/test_data_set_0";

std::vector<uint8_t> bytes_of(const runtime::Tensor& t) {
  if (t.dtype() == DType::kUint8) return t.values<uint8_t>();
  const auto& v = t.values<int8_t>();
  return {v.begin(), v.end()};
}

Signedness sign_of(const runtime::Tensor& t) {
  return t.dtype() == DType::kInt8 ? Signedness::kSigned : Signedness::kUnsigned;
}

int32_t scalar_of(const runtime::Tensor& t) {
  return t.dtype() == DType::kInt8 ? t.values<int8_t>().at(0) : t.values<uint8_t>().at(0);
}

TEST(OnnxMatMulIntegerCase, TwinAndTileReproduceOnnxExpectedOutput) {
  if (!fs::exists(kCase)) GTEST_SKIP() << kCase << " missing (libonnx-testdata)";
  const auto a = runtime::read_tensor_pb(kCase / "input_0.pb");
  const auto b = runtime::read_tensor_pb(kCase / "input_1.pb");
  const auto za = runtime::read_tensor_pb(kCase / "input_2.pb");
  const auto zb = runtime::read_tensor_pb(kCase / "input_3.pb");
  const auto want = runtime::read_tensor_pb(kCase / "output_0.pb").values<int32_t>();
  ASSERT_EQ(a.rank(), 2u);
  ASSERT_FALSE(want.empty());
  const GemmShape s{a.shape()[0], b.shape()[1], a.shape()[1]};
  const int32_t zpa[] = {scalar_of(za)}, zpb[] = {scalar_of(zb)};

  std::vector<int32_t> twin(want.size());
  gemm_cpu(s, bytes_of(a), {sign_of(a), zpa}, bytes_of(b), {sign_of(b), zpb}, twin);
  EXPECT_EQ(twin, want);

  tile::TileModel t(spec::kDefaultTile);
  auto c = testing::gemm_on_tile(t, s, bytes_of(a), sign_of(a), bytes_of(b), sign_of(b));
  const auto av = bytes_of(a), bv = bytes_of(b);
  auto val = [](uint8_t raw, Signedness sg) {
    return sg == Signedness::kSigned ? int32_t{static_cast<int8_t>(raw)} : int32_t{raw};
  };
  for (int64_t m = 0; m < s.m; ++m)
    for (int64_t n = 0; n < s.n; ++n) {
      int32_t row_sum = 0, col_sum = 0;
      for (int64_t k = 0; k < s.k; ++k) {
        row_sum += val(av[m * s.k + k], sign_of(a));
        col_sum += val(bv[k * s.n + n], sign_of(b));
      }
      c[m * s.n + n] +=
          -zpa[0] * col_sum - zpb[0] * row_sum + static_cast<int32_t>(s.k) * zpa[0] * zpb[0];
    }
  EXPECT_EQ(c, want);
}

}  // namespace
}  // namespace hycim::kernels
