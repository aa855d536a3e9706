// Device-side pieces shared by every GPU GEMM path (dp4a, WMMA, GEMV,
// cuBLASLt). All of them multiply signed operands only (unsigned ones are
// sign-flipped on load, see sign_flip_mask), then undo the zero points with
//   sum (a - za)(b - zb) = sum ab - zb*sum_k a - za*sum_k b + K*za*zb,
// which holds exactly in arithmetic mod 2^32, the int32 sums' own arithmetic.
#pragma once

#include <cstdint>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels::detail {

struct GemmEpilogue {
  const std::int32_t* za;         // M zero points of A, signed domain
  const std::int32_t* zb;         // N zero points of B, signed domain
  const std::int32_t* row_sum_a;  // M: sum_k A'[m][k]
  const std::int32_t* col_sum_b;  // N: sum_k B'[k][n] (null for the GEMV path, which sums itself)
  std::int32_t k;

  HYCIM_HD std::int32_t apply(std::int32_t raw, std::int64_t m, std::int64_t n,
                              std::int32_t col_sum) const {
    const auto a0 = static_cast<std::uint32_t>(za[m]);
    const auto b0 = static_cast<std::uint32_t>(zb[n]);
    const std::uint32_t r =
        static_cast<std::uint32_t>(raw) - b0 * static_cast<std::uint32_t>(row_sum_a[m]) -
        a0 * static_cast<std::uint32_t>(col_sum) + static_cast<std::uint32_t>(k) * a0 * b0;
    return static_cast<std::int32_t>(r);
  }
  HYCIM_HD std::int32_t apply(std::int32_t raw, std::int64_t m, std::int64_t n) const {
    return apply(raw, m, n, col_sum_b[n]);
  }
};

// One 8-bit element as a signed value after the sign flip.
HYCIM_HD inline std::int32_t flipped(std::uint8_t byte, std::uint8_t flip) {
  return static_cast<std::int8_t>(byte ^ flip);
}

}  // namespace hycim::kernels::detail
