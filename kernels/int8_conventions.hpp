// The one place that says what an int8 operand means, for the CPU twins, the
// CUDA kernels and everything that compares them with the device:
//  - int8 x int8 -> int32, row-major;
//  - y = x^T W with W stored K x N, row k = the weights input k meets (the
//    tile's layout: acc[lane] = sum_k x[k] * W[k][lane]);
//  - each operand is raw bytes plus a signedness flag (int8 or uint8 values);
//  - zero points as in ONNX MatMulInteger: subtracted before multiplying, per
//    tensor, per row of A or per column of B, in the operand's own range;
//  - int32 sums wrap modulo 2^32, like the device's 32-bit accumulator lanes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#if defined(__CUDACC__)
#define HYCIM_HD __host__ __device__
#else
#define HYCIM_HD
#endif

namespace hycim::kernels {

// Every kernel rejects bad input with this, before touching any memory.
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Signedness : std::uint8_t { kSigned, kUnsigned };

HYCIM_HD constexpr std::int32_t value_of(std::uint8_t byte, Signedness s) {
  return s == Signedness::kSigned ? static_cast<std::int32_t>(static_cast<std::int8_t>(byte))
                                  : static_cast<std::int32_t>(byte);
}
HYCIM_HD constexpr std::int32_t min_value(Signedness s) {
  return s == Signedness::kSigned ? -128 : 0;
}
HYCIM_HD constexpr std::int32_t max_value(Signedness s) {
  return s == Signedness::kSigned ? 127 : 255;
}

// A uint8 value u equals int8(u ^ 0x80) + 128, so an unsigned operand with
// zero point z is the signed operand (bytes ^ 0x80) with zero point z - 128.
// The GPU paths use this to run every signedness mix on signed-only hardware
// (dp4a.s32, IMMA s8, cuBLASLt CUDA_R_8I).
HYCIM_HD constexpr std::uint8_t sign_flip_mask(Signedness s) {
  return s == Signedness::kUnsigned ? 0x80 : 0x00;
}
HYCIM_HD constexpr std::int32_t signed_zero_point(std::int32_t zp, Signedness s) {
  return s == Signedness::kUnsigned ? zp - 128 : zp;
}

struct GemmShape {
  std::int64_t m = 0;  // rows of A and C (1 for a GEMV)
  std::int64_t n = 0;  // columns of B and C (device lanes)
  std::int64_t k = 0;  // columns of A, rows of B (device inputs)
};

// How to read one operand's bytes. zero_point is empty (all zero), one value
// (per tensor), or one per row of A / per column of B.
struct OperandDesc {
  Signedness sign = Signedness::kSigned;
  std::span<const std::int32_t> zero_point{};
};

// Zero point of row/column i; the description is assumed validated.
inline std::int32_t zero_point_at(const OperandDesc& d, std::int64_t i) {
  if (d.zero_point.empty()) return 0;
  return d.zero_point.size() == 1 ? d.zero_point[0] : d.zero_point[static_cast<std::size_t>(i)];
}

// Throws KernelError naming `who` and the first problem: a negative or
// too-large dimension, a buffer of the wrong size, a zero-point list of the
// wrong length or a zero point outside its operand's range. Dimensions are
// limited to 2^31 - 1 so GPU grids and int32 leading dimensions hold them.
void validate_gemm(const char* who, const GemmShape& s, const OperandDesc& a, std::size_t a_bytes,
                   const OperandDesc& b, std::size_t b_bytes, std::size_t c_elems);

}  // namespace hycim::kernels
