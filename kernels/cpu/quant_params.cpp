// Parameter checks and the fixed-point scale helper, shared by both twins.
#include <fmt/format.h>

#include <cmath>

#include "kernels/cpu/quantize_cpu.hpp"
#include "kernels/quant_math.hpp"

namespace hycim::kernels {
namespace {

void check_layout(const char* who, const ChannelLayout& l) {
  if (l.channels == 0 || l.inner == 0) {
    throw KernelError(
        fmt::format("{}: channel layout needs channels >= 1 and inner >= 1, got {} and {}", who,
                    l.channels, l.inner));
  }
}

// A parameter list holds 1 value (per tensor) or one per channel; `optional`
// lists may also be empty.
void check_count(const char* who, const char* what, std::size_t got, const ChannelLayout& l,
                 bool optional) {
  if ((got == 0 && optional) || got == 1 || got == l.channels) return;
  throw KernelError(fmt::format("{}: {} has {} values, expected {}1 or channels = {}", who, what,
                                got, optional ? "0, " : "", l.channels));
}

void check_elems(const char* who, std::size_t in, std::size_t out) {
  if (in != out) {
    throw KernelError(fmt::format("{}: input has {} elements but output {}", who, in, out));
  }
}

}  // namespace

FixedPointScale fixed_point_scale(double real_scale) {
  if (!std::isfinite(real_scale) || real_scale <= 0.0) {
    throw KernelError(fmt::format("fixed_point_scale: scale {} is not finite and > 0", real_scale));
  }
  int exp = 0;
  const double frac = std::frexp(real_scale, &exp);  // real = frac * 2^exp, frac in [0.5, 1)
  auto mult = static_cast<std::int64_t>(std::llround(frac * 2147483648.0));
  if (mult == (std::int64_t{1} << 31)) {  // frac rounded up to 1.0
    mult /= 2;
    ++exp;
  }
  const std::int32_t shift = -exp;
  if (shift < kMinShift || shift > kMaxShift) {
    throw KernelError(fmt::format("fixed_point_scale: scale {} needs shift {}, outside {}..{}",
                                  real_scale, shift, kMinShift, kMaxShift));
  }
  return {static_cast<std::int32_t>(mult), shift};
}

void validate_quant(const char* who, const QuantParams& p, std::size_t in, std::size_t out) {
  check_elems(who, in, out);
  check_layout(who, p.layout);
  check_count(who, "scale", p.scale.size(), p.layout, false);
  check_count(who, "zero_point", p.zero_point.size(), p.layout, true);
  for (std::size_t i = 0; i < p.scale.size(); ++i) {
    if (!std::isfinite(p.scale[i]) || p.scale[i] <= 0.0f) {
      throw KernelError(
          fmt::format("{}: scale[{}] = {} is not finite and > 0", who, i, p.scale[i]));
    }
  }
  for (std::size_t i = 0; i < p.zero_point.size(); ++i) {
    const std::int32_t z = p.zero_point[i];
    if (z < min_value(p.sign) || z > max_value(p.sign)) {
      throw KernelError(fmt::format("{}: zero_point[{}] = {} is outside {}..{}", who, i, z,
                                    min_value(p.sign), max_value(p.sign)));
    }
  }
}

void validate_requant(const char* who, const RequantParams& p, std::size_t in, std::size_t out) {
  check_elems(who, in, out);
  check_layout(who, p.layout);
  check_count(who, "multiplier", p.multiplier.size(), p.layout, false);
  check_count(who, "shift", p.shift.size(), p.layout, false);
  check_count(who, "bias", p.bias.size(), p.layout, true);
  for (std::size_t i = 0; i < p.multiplier.size(); ++i) {
    if (p.multiplier[i] < 0) {
      throw KernelError(
          fmt::format("{}: multiplier[{}] = {} is negative", who, i, p.multiplier[i]));
    }
  }
  for (std::size_t i = 0; i < p.shift.size(); ++i) {
    if (p.shift[i] < kMinShift || p.shift[i] > kMaxShift) {
      throw KernelError(fmt::format("{}: shift[{}] = {} is outside {}..{}", who, i, p.shift[i],
                                    kMinShift, kMaxShift));
    }
  }
  if (p.zero_point < min_value(p.sign) || p.zero_point > max_value(p.sign)) {
    throw KernelError(fmt::format("{}: zero_point {} is outside {}..{}", who, p.zero_point,
                                  min_value(p.sign), max_value(p.sign)));
  }
}

}  // namespace hycim::kernels
