// The one product every multiply-heavy kernel (MatMul, Gemm, Conv and their
// integer and QLinear forms) reduces to: out (M x N) = A (M x K) . B (K x N),
// with B read through strides so transposed or im2col-ordered weights need no
// copy on the host path. Float products go to the backend quantized when it
// runs them on the device; integer products are exact, with zero points
// corrected on the host:
//   sum_k (a - za)(b - zb) = sum_k a b - zb sum_k a - za sum_k b + K za zb.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {

// With `blocks` > 1, B is block-diagonal (several small products packed into
// one, so they share the device's lanes): `blocks` equal blocks of k / blocks
// rows and n / blocks columns; column nn reads its block's rows from
// data + nn * stride_n, and holds outside[nn] (or 0) off its block, a value
// that adds nothing once the column's zero point is taken off.
template <typename T>
struct StridedB {
  const T* data = nullptr;
  uint32_t k = 0, n = 0;
  size_t stride_k = 0, stride_n = 1;
  uint32_t blocks = 1;
  const T* outside = nullptr;
  uint32_t block_k() const { return k / blocks; }
  T at(uint32_t kk, uint32_t nn) const {
    if (blocks == 1) return data[kk * stride_k + nn * stride_n];
    const uint32_t kb = block_k(), nb = n / blocks;
    if (kk / kb != nn / nb) return outside ? outside[nn] : T{};
    return data[(kk % kb) * stride_k + nn * stride_n];
  }
};

struct ProductSite {
  std::string key;  // cache key of the prepared B
  bool constant = false;
};

// out = A . B in float; on a quantizing backend A is quantized with `aq`.
void float_product(ExecContext& ctx, const ActQuant& aq, std::span<const float> a, uint32_t m,
                   const StridedB<float>& b, const ProductSite& site, std::span<float> out);

// A zero point per row of A / per column of B, or one for all (size 1).
struct ZeroPoints {
  std::vector<int32_t> v{0};
  int32_t at(size_t i) const { return v.size() == 1 ? v[0] : v[i]; }
  bool zero() const;
};
// Input `i` of the node as zero points: absent -> 0; a scalar, or `count` values.
ZeroPoints zero_points(const ExecContext& ctx, size_t i, size_t count, const char* what);

// out (int32) = (A - za) . (B - zb), exactly. A and B hold 8-bit patterns.
void integer_product(ExecContext& ctx, std::span<const uint8_t> a, uint32_t m, bool asigned,
                     const StridedB<uint8_t>& b, bool bsigned, const ZeroPoints& za,
                     const ZeroPoints& zb, const ProductSite& site, std::span<int32_t> out);

// The 8-bit patterns of a uint8 or int8 tensor; throws naming `what` otherwise.
std::span<const uint8_t> bytes8(const Tensor& t, const char* what);
bool is_signed8(const Tensor& t);

// Per-tensor or per-channel float parameters (scales): a scalar or `count` values.
std::vector<float> channel_floats(const Tensor& t, size_t count, const char* what);

// saturate(round_half_even(v) + zp) into a uint8 or int8 output element.
int32_t requantize(float v, int32_t zp, bool out_signed);

// Gemm's epilogue: y (M x N) += beta * C, C unidirectionally broadcast to
// [M, N] (ONNX Gemm); RuntimeError naming the shapes when it does not.
void add_gemm_c(const Tensor& c, float beta, uint32_t m, uint32_t n, std::span<float> y);

}  // namespace hycim::runtime
