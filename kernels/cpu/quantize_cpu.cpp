#include "kernels/cpu/quantize_cpu.hpp"

#include "kernels/quant_math.hpp"

namespace hycim::kernels {
namespace {

// Value of a 1-or-per-channel parameter list for element i (0 when empty).
template <class T>
T param_at(std::span<const T> v, std::uint64_t i, const ChannelLayout& l) {
  if (v.empty()) return T{};
  return v.size() == 1 ? v[0] : v[channel_of(i, l)];
}

}  // namespace

void quantize_cpu(std::span<const float> in, const QuantParams& p, std::span<std::uint8_t> out) {
  validate_quant("quantize_cpu", p, in.size(), out.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::int32_t q = quantize_value(in[i], param_at(p.scale, i, p.layout),
                                          param_at(p.zero_point, i, p.layout), p.sign);
    out[i] = static_cast<std::uint8_t>(q);
  }
}

void dequantize_cpu(std::span<const std::uint8_t> in, const QuantParams& p, std::span<float> out) {
  validate_quant("dequantize_cpu", p, in.size(), out.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    out[i] = dequantize_value(value_of(in[i], p.sign), param_at(p.scale, i, p.layout),
                              param_at(p.zero_point, i, p.layout));
  }
}

void requantize_cpu(std::span<const std::int32_t> in, const RequantParams& p,
                    std::span<std::uint8_t> out) {
  validate_requant("requantize_cpu", p, in.size(), out.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::int32_t q =
        requantize_value(in[i], param_at(p.bias, i, p.layout), param_at(p.multiplier, i, p.layout),
                         param_at(p.shift, i, p.layout), p.zero_point, p.sign);
    out[i] = static_cast<std::uint8_t>(q);
  }
}

}  // namespace hycim::kernels
