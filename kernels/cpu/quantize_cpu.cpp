#include "kernels/cpu/quantize_cpu.hpp"

#include <algorithm>

#include "kernels/quant_math.hpp"

namespace hycim::kernels {
namespace {

// Value of a 1-or-per-channel parameter list for channel ch (0 when empty).
template <class T>
T param(std::span<const T> v, std::uint64_t ch) {
  if (v.empty()) return T{};
  return v.size() == 1 ? v[0] : v[ch];
}

// Calls f(first, last, channel) for each run of elements sharing a channel:
// `inner` elements at a time, or the whole tensor for per-tensor parameters,
// so the element loops hold no division.
template <class F>
void for_each_run(std::size_t count, const ChannelLayout& l, bool per_tensor, F&& f) {
  const std::size_t run = per_tensor ? std::max<std::size_t>(count, 1) : l.inner;
  for (std::size_t first = 0; first < count; first += run) {
    f(first, std::min(count, first + run), per_tensor ? 0 : channel_of(first, l));
  }
}

}  // namespace

void quantize_cpu(std::span<const float> in, const QuantParams& p, std::span<std::uint8_t> out) {
  validate_quant("quantize_cpu", p, in.size(), out.size());
  const bool per_tensor = p.scale.size() == 1 && p.zero_point.size() <= 1;
  for_each_run(in.size(), p.layout, per_tensor,
               [&](std::size_t i0, std::size_t i1, std::uint64_t ch) {
                 const float scale = param(p.scale, ch);
                 const std::int32_t zp = param(p.zero_point, ch);
                 for (std::size_t i = i0; i < i1; ++i) {
                   out[i] = static_cast<std::uint8_t>(quantize_value(in[i], scale, zp, p.sign));
                 }
               });
}

void dequantize_cpu(std::span<const std::uint8_t> in, const QuantParams& p, std::span<float> out) {
  validate_quant("dequantize_cpu", p, in.size(), out.size());
  const bool per_tensor = p.scale.size() == 1 && p.zero_point.size() <= 1;
  for_each_run(in.size(), p.layout, per_tensor,
               [&](std::size_t i0, std::size_t i1, std::uint64_t ch) {
                 const float scale = param(p.scale, ch);
                 const std::int32_t zp = param(p.zero_point, ch);
                 for (std::size_t i = i0; i < i1; ++i) {
                   out[i] = dequantize_value(value_of(in[i], p.sign), scale, zp);
                 }
               });
}

void requantize_cpu(std::span<const std::int32_t> in, const RequantParams& p,
                    std::span<std::uint8_t> out) {
  validate_requant("requantize_cpu", p, in.size(), out.size());
  const bool per_tensor = p.multiplier.size() == 1 && p.shift.size() == 1 && p.bias.size() <= 1;
  for_each_run(in.size(), p.layout, per_tensor,
               [&](std::size_t i0, std::size_t i1, std::uint64_t ch) {
                 const std::int32_t mult = param(p.multiplier, ch), shift = param(p.shift, ch);
                 const std::int32_t bias = param(p.bias, ch);
                 for (std::size_t i = i0; i < i1; ++i) {
                   out[i] = static_cast<std::uint8_t>(
                       requantize_value(in[i], bias, mult, shift, p.zero_point, p.sign));
                 }
               });
}

}  // namespace hycim::kernels
