// Quantization of float operands for the tiles: activations per tensor (uint8
// when the range is non-negative, else symmetric int8; zero point 0 either way,
// so no correction terms), weights per output column, symmetric int8.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace hycim::runtime {

struct ActQuant {
  float scale = 1;  // real value = scale * q
  bool is_signed = true;
  float max_abs = 0;  // largest |value| the range allows, for the error bound
};

// From a range [lo, hi] (calibrated, or the tensor's own).
ActQuant choose_act_quant(float lo, float hi);
ActQuant choose_act_quant(std::span<const float> x);
// Rounds to nearest (ties to even) and saturates to the 8-bit range.
void quantize(std::span<const float> x, const ActQuant& q, std::span<uint8_t> out);

struct WeightQuant {
  std::vector<uint8_t> data;  // K x N int8 bit patterns
  std::vector<float> scales;  // per column n: real = scales[n] * q
  float max_abs = 0;
  float max_scale = 0;
};
// w is K x N row-major.
WeightQuant quantize_weights(std::span<const float> w, uint32_t k, uint32_t n);

// Largest |exact - quantized| of one output element of a K-term dot product
// (docs/runtime.md, "Tolerance"): every product x*w is off by at most
// |x| dw + |w| dx + dx dw with dx = sx/2 and dw = sw/2 the rounding steps.
double dot_error_bound(uint32_t k, const ActQuant& a, const WeightQuant& w);

}  // namespace hycim::runtime
