// CPU twins of the int8 GEMM/GEMV kernels: the plain definition of
// C[m][n] = sum_k (A[m][k] - za[m]) * (B[k][n] - zb[n]) (mod 2^32), which the
// CUDA kernels, cuBLASLt and the device tile are all checked against.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

// A is M x K, B is K x N, C is M x N, all row-major. Throws KernelError on a
// size or zero-point mismatch (see validate_gemm).
void gemm_cpu(const GemmShape& shape, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc,
              std::span<std::int32_t> c);

// y[n] = sum_k (x[k] - zx) * (W[k][n] - zw[n]): the device's MVM, with W K x N.
void gemv_cpu(std::int64_t k, std::int64_t n, std::span<const std::uint8_t> x,
              const OperandDesc& x_desc, std::span<const std::uint8_t> w, const OperandDesc& w_desc,
              std::span<std::int32_t> y);

// Views of typed buffers as the raw bytes the kernels take.
inline std::span<const std::uint8_t> bytes_of(std::span<const std::int8_t> v) {
  return {reinterpret_cast<const std::uint8_t*>(v.data()), v.size()};
}
inline std::span<const std::uint8_t> bytes_of(std::span<const std::uint8_t> v) {
  return v;
}

}  // namespace hycim::kernels
