#include "kernels/cpu/gemm_cpu.hpp"

#include <algorithm>
#include <vector>

namespace hycim::kernels {
namespace {

// C row by row: row[n] += (a - za) * (b - zb[n]) over k, n innermost so the
// compiler vectorises it. Sums are unsigned: wrap-around is defined there,
// and is what the device's 32-bit lanes do. B's signedness is a template
// parameter so the inner loop holds no branch.
template <Signedness kSignB>
void gemm_loops(const GemmShape& s, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
                std::span<const std::uint8_t> b, std::span<const std::int32_t> zb,
                std::span<std::int32_t> c) {
  const auto n_count = static_cast<std::size_t>(s.n);
  std::vector<std::uint32_t> row(n_count);
  for (std::int64_t m = 0; m < s.m; ++m) {
    std::fill(row.begin(), row.end(), 0u);
    const std::int32_t za = zero_point_at(a_desc, m);
    for (std::int64_t k = 0; k < s.k; ++k) {
      const std::int32_t av = value_of(a[static_cast<std::size_t>(m * s.k + k)], a_desc.sign) - za;
      const std::uint8_t* brow = b.data() + k * s.n;
      for (std::size_t n = 0; n < n_count; ++n) {
        row[n] += static_cast<std::uint32_t>(av * (value_of(brow[n], kSignB) - zb[n]));
      }
    }
    std::transform(row.begin(), row.end(), c.begin() + m * s.n,
                   [](std::uint32_t v) { return static_cast<std::int32_t>(v); });
  }
}

void gemm_any(const GemmShape& s, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc,
              std::span<std::int32_t> c) {
  std::vector<std::int32_t> zb(static_cast<std::size_t>(s.n));
  for (std::int64_t n = 0; n < s.n; ++n) zb[static_cast<std::size_t>(n)] = zero_point_at(b_desc, n);
  if (b_desc.sign == Signedness::kSigned) {
    gemm_loops<Signedness::kSigned>(s, a, a_desc, b, zb, c);
  } else {
    gemm_loops<Signedness::kUnsigned>(s, a, a_desc, b, zb, c);
  }
}

}  // namespace

void gemm_cpu(const GemmShape& shape, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc,
              std::span<std::int32_t> c) {
  validate_gemm("gemm_cpu", shape, a_desc, a.size(), b_desc, b.size(), c.size());
  gemm_any(shape, a, a_desc, b, b_desc, c);
}

void gemv_cpu(std::int64_t k, std::int64_t n, std::span<const std::uint8_t> x,
              const OperandDesc& x_desc, std::span<const std::uint8_t> w, const OperandDesc& w_desc,
              std::span<std::int32_t> y) {
  const GemmShape shape{1, n, k};
  validate_gemm("gemv_cpu", shape, x_desc, x.size(), w_desc, w.size(), y.size());
  gemm_any(shape, x, x_desc, w, w_desc, y);
}

}  // namespace hycim::kernels
