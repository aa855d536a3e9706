// The arithmetic every GPU GEMM path rests on, checked on the CPU so it holds
// on every build, GPU or not: unsigned operands become signed ones by flipping
// the top bit and moving the zero point by 128, and the zero points come back
// in through row/column sums (GemmEpilogue), exactly, mod 2^32.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/cpu/gemm_cpu.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "tests/kernels/random_data.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Ints = std::vector<std::int32_t>;

std::int32_t signed_value(std::uint8_t byte, Signedness s) {
  return detail::flipped(byte, sign_flip_mask(s));
}

// What the GPU computes: signed products of flipped bytes, sums of flipped
// bytes, then GemmEpilogue::apply with the moved zero points.
Ints gpu_pipeline(const GemmShape& s, const Bytes& a, const OperandDesc& ad, const Bytes& b,
                  const OperandDesc& bd) {
  const auto M = static_cast<std::size_t>(s.m), N = static_cast<std::size_t>(s.n);
  Ints za(M), zb(N), row_sum(M), col_sum(N);
  for (std::size_t m = 0; m < M; ++m) za[m] = signed_zero_point(zero_point_at(ad, m), ad.sign);
  for (std::size_t n = 0; n < N; ++n) zb[n] = signed_zero_point(zero_point_at(bd, n), bd.sign);
  Ints raw(M * N);
  for (std::size_t m = 0; m < M; ++m) {
    std::uint32_t rs = 0;
    for (std::int64_t k = 0; k < s.k; ++k) rs += signed_value(a[m * s.k + k], ad.sign);
    row_sum[m] = static_cast<std::int32_t>(rs);
    for (std::size_t n = 0; n < N; ++n) {
      std::uint32_t acc = 0;
      for (std::int64_t k = 0; k < s.k; ++k) {
        acc += static_cast<std::uint32_t>(signed_value(a[m * s.k + k], ad.sign) *
                                          signed_value(b[k * s.n + n], bd.sign));
      }
      raw[m * N + n] = static_cast<std::int32_t>(acc);
    }
  }
  for (std::size_t n = 0; n < N; ++n) {
    std::uint32_t cs = 0;
    for (std::int64_t k = 0; k < s.k; ++k) cs += signed_value(b[k * s.n + n], bd.sign);
    col_sum[n] = static_cast<std::int32_t>(cs);
  }
  const detail::GemmEpilogue e{za.data(), zb.data(), row_sum.data(), col_sum.data(),
                               static_cast<std::int32_t>(s.k)};
  Ints c(M * N);
  for (std::size_t m = 0; m < M; ++m) {
    for (std::size_t n = 0; n < N; ++n) c[m * N + n] = e.apply(raw[m * N + n], m, n);
  }
  return c;
}

TEST(GpuGemmMath, FlipAndZeroPointCorrectionEqualTheTwin) {
  const GemmShape s{5, 7, 33};
  unsigned seed = 500;
  for (Signedness sa : {Signedness::kSigned, Signedness::kUnsigned}) {
    for (Signedness sb : {Signedness::kSigned, Signedness::kUnsigned}) {
      for (int zp_kind = 0; zp_kind < 3; ++zp_kind) {
        const Bytes a = testing::random_bytes(5 * 33, ++seed);
        const Bytes b = testing::random_bytes(33 * 7, ++seed);
        Ints za, zb;
        if (zp_kind > 0) {
          za = testing::random_ints(zp_kind == 1 ? 1 : 5, min_value(sa), max_value(sa), ++seed);
          zb = testing::random_ints(zp_kind == 1 ? 1 : 7, min_value(sb), max_value(sb), ++seed);
        }
        Ints want(35);
        gemm_cpu(s, a, {sa, za}, b, {sb, zb}, want);
        EXPECT_EQ(gpu_pipeline(s, a, {sa, za}, b, {sb, zb}), want)
            << "signs " << int(sa) << int(sb) << " zero points " << zp_kind;
      }
    }
  }
}

TEST(GpuGemmMath, CorrectionIsExactThroughWrapAround) {
  // 66051 * 255 * 255 wraps (see GemmCpu); the raw signed sums wrap differently.
  const GemmShape s{1, 2, 66051};
  const Bytes a(66051, 255);
  const Bytes b(2 * 66051, 255);
  const Ints zb = {0, 255};
  Ints want(2);
  gemm_cpu(s, a, {Signedness::kUnsigned, {}}, b, {Signedness::kUnsigned, zb}, want);
  EXPECT_EQ(want, (Ints{-1021, 0}));
  EXPECT_EQ(gpu_pipeline(s, a, {Signedness::kUnsigned, {}}, b, {Signedness::kUnsigned, zb}), want);
}

}  // namespace
}  // namespace hycim::kernels
