// Quantize / dequantize (per tensor or per channel) and int32 requantization:
// the parameter types both twins take, and the CPU twin.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

// Element i of a tensor belongs to channel (i / inner) % channels: a tensor of
// shape [outer, channels, inner] quantised along its middle axis. Per-tensor
// parameters (one scale) ignore the layout.
struct ChannelLayout {
  std::uint64_t channels = 1;
  std::uint64_t inner = 1;
};

HYCIM_HD constexpr std::uint64_t channel_of(std::uint64_t i, const ChannelLayout& l) {
  return (i / l.inner) % l.channels;
}

// scale: 1 or `channels` values, each finite and > 0; zero_point: empty, 1 or
// `channels` values in the range of `sign`.
struct QuantParams {
  std::span<const float> scale;
  std::span<const std::int32_t> zero_point;
  Signedness sign = Signedness::kSigned;
  ChannelLayout layout;
};

// multiplier/shift: 1 or `channels` values (see quant_math.hpp); bias: empty,
// 1 or `channels` int32 values added to the accumulator first; zero_point and
// sign describe the 8-bit output.
struct RequantParams {
  std::span<const std::int32_t> multiplier;
  std::span<const std::int32_t> shift;
  std::span<const std::int32_t> bias;
  std::int32_t zero_point = 0;
  Signedness sign = Signedness::kSigned;
  ChannelLayout layout;
};

struct FixedPointScale {
  std::int32_t multiplier = 0;
  std::int32_t shift = 0;
};

// The (multiplier, shift) nearest a real scale; throws KernelError when the
// scale is not finite and > 0 or needs a shift outside kMinShift..kMaxShift.
FixedPointScale fixed_point_scale(double real_scale);

// Throw KernelError naming `who` and the offending parameter.
void validate_quant(const char* who, const QuantParams& p, std::size_t in, std::size_t out);
void validate_requant(const char* who, const RequantParams& p, std::size_t in, std::size_t out);

// out[i] holds the 8-bit pattern of the quantised value (int8 or uint8 by p.sign).
void quantize_cpu(std::span<const float> in, const QuantParams& p, std::span<std::uint8_t> out);
void dequantize_cpu(std::span<const std::uint8_t> in, const QuantParams& p, std::span<float> out);
void requantize_cpu(std::span<const std::int32_t> in, const RequantParams& p,
                    std::span<std::uint8_t> out);

}  // namespace hycim::kernels
