#include "kernels/cpu/gemm_cpu.hpp"

#include <algorithm>
#include <vector>

namespace hycim::kernels {
namespace {

// (value - zero point) of every element of B, once, so the inner loop is a
// plain multiply-add the compiler can vectorise. Range -255..255 fits int16.
std::vector<std::int16_t> centred_b(const GemmShape& s, std::span<const std::uint8_t> b,
                                    const OperandDesc& d) {
  std::vector<std::int16_t> out(b.size());
  for (std::int64_t k = 0; k < s.k; ++k) {
    for (std::int64_t n = 0; n < s.n; ++n) {
      const std::size_t i = static_cast<std::size_t>(k * s.n + n);
      out[i] = static_cast<std::int16_t>(value_of(b[i], d.sign) - zero_point_at(d, n));
    }
  }
  return out;
}

void gemm_loops(const GemmShape& s, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
                std::span<const std::int16_t> b, std::span<std::int32_t> c) {
  // Unsigned sums: wrap-around is defined there, and is what the device does.
  std::vector<std::uint32_t> row(static_cast<std::size_t>(s.n));
  for (std::int64_t m = 0; m < s.m; ++m) {
    std::fill(row.begin(), row.end(), 0u);
    const std::int32_t za = zero_point_at(a_desc, m);
    for (std::int64_t k = 0; k < s.k; ++k) {
      const std::int32_t av = value_of(a[static_cast<std::size_t>(m * s.k + k)], a_desc.sign) - za;
      const std::int16_t* brow = b.data() + k * s.n;
      for (std::int64_t n = 0; n < s.n; ++n) {
        row[static_cast<std::size_t>(n)] += static_cast<std::uint32_t>(av * brow[n]);
      }
    }
    for (std::int64_t n = 0; n < s.n; ++n) {
      c[static_cast<std::size_t>(m * s.n + n)] =
          static_cast<std::int32_t>(row[static_cast<std::size_t>(n)]);
    }
  }
}

}  // namespace

void gemm_cpu(const GemmShape& shape, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc,
              std::span<std::int32_t> c) {
  validate_gemm("gemm_cpu", shape, a_desc, a.size(), b_desc, b.size(), c.size());
  gemm_loops(shape, a, a_desc, centred_b(shape, b, b_desc), c);
}

void gemv_cpu(std::int64_t k, std::int64_t n, std::span<const std::uint8_t> x,
              const OperandDesc& x_desc, std::span<const std::uint8_t> w, const OperandDesc& w_desc,
              std::span<std::int32_t> y) {
  const GemmShape shape{1, n, k};
  validate_gemm("gemv_cpu", shape, x_desc, x.size(), w_desc, w.size(), y.size());
  gemm_loops(shape, x, x_desc, centred_b(shape, w, w_desc), y);
}

}  // namespace hycim::kernels
