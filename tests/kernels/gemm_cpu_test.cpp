// The CPU twin's GEMM/GEMV against hand-worked values: the definition every
// other implementation (CUDA, cuBLASLt, the device tile) is compared with.
#include "kernels/cpu/gemm_cpu.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tests/kernels/expect_kernel_error.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Ints = std::vector<std::int32_t>;

Bytes from_ints(const std::vector<int>& v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

TEST(GemmCpu, SignedTimesSignedNoZeroPoints) {
  // A 2x3, B 3x2.
  const Bytes a = from_ints({1, -2, 3, -4, 5, -128});
  const Bytes b = from_ints({127, -1, 2, 0, -3, 7});
  Ints c(4);
  gemm_cpu({2, 2, 3}, a, {}, b, {}, c);
  EXPECT_EQ(c, (Ints{127 - 4 - 9, -1 + 21, -508 + 10 + 384, 4 - 896}));
}

TEST(GemmCpu, OnnxMatMulIntegerExample) {
  // The example of the ONNX MatMulInteger operator: uint8, a_zero_point 12.
  const Bytes a = {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0};
  const Bytes b = {1, 4, 2, 5, 3, 6};
  const Ints za = {12};
  const Ints zb = {0};
  Ints c(8);
  gemm_cpu({4, 2, 3}, a, {Signedness::kUnsigned, za}, b, {Signedness::kUnsigned, zb}, c);
  EXPECT_EQ(c, (Ints{-38, -83, -44, -98, -50, -113, -56, -128}));
}

TEST(GemmCpu, MixedSignednessAndPerRowPerColumnZeroPoints) {
  // A uint8 2x2 with zero point per row, B int8 2x2 with zero point per column.
  const Bytes a = {200, 10, 0, 255};
  const Bytes b = from_ints({-128, 127, 5, -5});
  const Ints za = {100, 255};
  const Ints zb = {-128, 7};
  Ints c(4);
  gemm_cpu({2, 2, 2}, a, {Signedness::kUnsigned, za}, b, {Signedness::kSigned, zb}, c);
  // Centred A = [[100, -90], [-255, 0]]; centred B = [[0, 120], [133, -12]].
  EXPECT_EQ(c, (Ints{100 * 0 + -90 * 133, 100 * 120 + -90 * -12, 0, -255 * 120}));
}

TEST(GemmCpu, SumsWrapModulo2To32LikeTheDeviceAccumulator) {
  // 66051 * 255 * 255 = 4294966275 = 2^32 - 1021.
  const std::int64_t k = 66051;
  const Bytes a(k, 255);
  const Bytes b(k, 255);
  Ints c(1);
  gemm_cpu({1, 1, k}, a, {Signedness::kUnsigned, {}}, b, {Signedness::kUnsigned, {}}, c);
  EXPECT_EQ(c[0], -1021);
}

TEST(GemmCpu, EmptyInnerDimensionGivesZeros) {
  Ints c(6, 99);
  gemm_cpu({2, 3, 0}, {}, {}, {}, {}, c);
  EXPECT_EQ(c, Ints(6, 0));
  Ints none;
  EXPECT_NO_THROW(gemm_cpu({0, 3, 4}, {}, {}, Bytes(12), {}, none));
}

TEST(GemvCpu, IsTheDeviceMvmConvention) {
  // acc[lane] = sum_k x[k] * W[k][lane], W row k = the weights of input k.
  const Bytes x = from_ints({2, -3});
  const Bytes w = from_ints({1, 2, 3, 10, 20, 30});  // K=2, N=3
  Ints y(3);
  gemv_cpu(2, 3, x, {}, w, {}, y);
  EXPECT_EQ(y, (Ints{2 - 30, 4 - 60, 6 - 90}));
}

TEST(GemvCpu, MatchesGemmWithOneRow) {
  Bytes x(37), w(37 * 5);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<std::uint8_t>(i * 13 + 1);
  const Ints zx = {9};
  const Ints zw = {-1, 0, 1, 2, 3};
  Ints y(5), c(5);
  gemv_cpu(37, 5, x, {Signedness::kUnsigned, zx}, w, {Signedness::kSigned, zw}, y);
  gemm_cpu({1, 5, 37}, x, {Signedness::kUnsigned, zx}, w, {Signedness::kSigned, zw}, c);
  EXPECT_EQ(y, c);
}

using testing::expect_error;

TEST(GemmCpu, RejectsBadShapesAndZeroPointsByName) {
  Bytes a(6), b(6);
  Ints c(4);
  expect_error([&] { gemm_cpu({2, 2, 3}, Bytes(5), {}, b, {}, c); }, "A has 5 elements");
  expect_error([&] { gemm_cpu({2, 2, 3}, a, {}, Bytes(7), {}, c); }, "B has 7 elements");
  Ints c3(3), y2(2);
  expect_error([&] { gemm_cpu({2, 2, 3}, a, {}, b, {}, c3); }, "C has 3 elements");
  expect_error([&] { gemm_cpu({-1, 2, 3}, a, {}, b, {}, c); }, "dimension M = -1");
  const Ints three = {0, 0, 0};
  expect_error(
      [&] {
        gemm_cpu({2, 2, 3}, a, {Signedness::kSigned, three}, b, {}, c);
      },
      "A has 3 zero points");
  const Ints big = {200};
  expect_error(
      [&] {
        gemm_cpu({2, 2, 3}, a, {}, b, {Signedness::kSigned, big}, c);
      },
      "B zero point [0] = 200 is outside -128..127");
  const Ints neg = {-1};
  expect_error(
      [&] {
        gemv_cpu(3, 2, Bytes(3), {Signedness::kUnsigned, neg}, b, {}, y2);
      },
      "gemv_cpu: A zero point [0] = -1 is outside 0..255");
}

}  // namespace
}  // namespace hycim::kernels
