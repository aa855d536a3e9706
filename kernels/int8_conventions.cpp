#include "kernels/int8_conventions.hpp"

#include <fmt/format.h>

#include <limits>

namespace hycim::kernels {
namespace {

constexpr std::int64_t kMaxDim = std::numeric_limits<std::int32_t>::max();

void check_dim(const char* who, const char* name, std::int64_t v) {
  if (v < 0 || v > kMaxDim) {
    throw KernelError(fmt::format("{}: dimension {} = {} is outside 0..{}", who, name, v, kMaxDim));
  }
}

void check_size(const char* who, const char* what, std::size_t got, std::int64_t want,
                const char* formula) {
  if (got != static_cast<std::size_t>(want)) {
    throw KernelError(
        fmt::format("{}: {} has {} elements, expected {} = {}", who, what, got, formula, want));
  }
}

// zero_point may be empty, one value, or `per` values (rows of A / columns of B).
void check_zero_points(const char* who, const char* operand, const OperandDesc& d, std::int64_t per,
                       const char* per_name) {
  const std::size_t count = d.zero_point.size();
  if (count > 1 && count != static_cast<std::size_t>(per)) {
    throw KernelError(fmt::format("{}: {} has {} zero points, expected 0, 1 or {} = {}", who,
                                  operand, count, per_name, per));
  }
  for (std::size_t i = 0; i < count; ++i) {
    const std::int32_t z = d.zero_point[i];
    if (z < min_value(d.sign) || z > max_value(d.sign)) {
      throw KernelError(fmt::format("{}: {} zero point [{}] = {} is outside {}..{} ({})", who,
                                    operand, i, z, min_value(d.sign), max_value(d.sign),
                                    d.sign == Signedness::kSigned ? "int8" : "uint8"));
    }
  }
}

}  // namespace

void validate_gemm(const char* who, const GemmShape& s, const OperandDesc& a, std::size_t a_bytes,
                   const OperandDesc& b, std::size_t b_bytes, std::size_t c_elems) {
  check_dim(who, "M", s.m);
  check_dim(who, "N", s.n);
  check_dim(who, "K", s.k);
  check_size(who, "A", a_bytes, s.m * s.k, "M*K");
  check_size(who, "B", b_bytes, s.k * s.n, "K*N");
  check_size(who, "C", c_elems, s.m * s.n, "M*N");
  check_zero_points(who, "A", a, s.m, "M");
  check_zero_points(who, "B", b, s.n, "N");
}

}  // namespace hycim::kernels
