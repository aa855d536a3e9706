// Scalar quantisation arithmetic, compiled for host and device alike so the
// CPU twin and the CUDA kernels round exactly the same way:
//  - quantize:   q = clamp(rint(x / scale) + zp)  (ONNX QuantizeLinear: round
//    half to even, saturate; NaN maps to the zero point);
//  - dequantize: x = (q - zp) * scale  (one rounding, exact on both sides);
//  - requantize: int32 accumulator -> 8 bits with a fixed-point multiplier, so
//    the integer pipeline (device, GPU, CPU) never touches floats:
//    q = clamp(zp + round_half_up((acc + bias) * multiplier / 2^(31 + shift))).
#pragma once

#include <math.h>  // rintf, usable in device code too

#include <cstdint>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

HYCIM_HD inline std::int32_t quantize_value(float x, float scale, std::int32_t zp, Signedness s) {
  float v = x / scale;
  if (v != v) v = 0.0f;  // NaN
  v = rintf(v);
  // Clamp before adding zp: the bounds are small integers, exact in float,
  // and infinities saturate without an undefined float->int conversion.
  const float lo = static_cast<float>(min_value(s) - zp);
  const float hi = static_cast<float>(max_value(s) - zp);
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<std::int32_t>(v) + zp;
}

HYCIM_HD inline float dequantize_value(std::int32_t q, float scale, std::int32_t zp) {
  return static_cast<float>(q - zp) * scale;
}

// multiplier is a Q31 value in 0..2^31-1; shift in kMinShift..kMaxShift, so
// the total right shift 31 + shift is 1..62 and the int64 product cannot overflow.
inline constexpr std::int32_t kMinShift = -30;
inline constexpr std::int32_t kMaxShift = 31;

HYCIM_HD inline std::int32_t requantize_value(std::int32_t acc, std::int32_t bias,
                                              std::int32_t multiplier, std::int32_t shift,
                                              std::int32_t zp, Signedness s) {
  // The bias is added in 32 bits with wrap-around, as a device lane would.
  const auto sum =
      static_cast<std::int32_t>(static_cast<std::uint32_t>(acc) + static_cast<std::uint32_t>(bias));
  const std::int64_t prod = static_cast<std::int64_t>(sum) * multiplier;
  const int total = 31 + shift;
  const std::int64_t r = (prod + (std::int64_t{1} << (total - 1))) >> total;
  const std::int64_t q = r + zp;
  return static_cast<std::int32_t>(q < min_value(s) ? min_value(s)
                                                    : (q > max_value(s) ? max_value(s) : q));
}

}  // namespace hycim::kernels
