// Quantize / dequantize / requantize twin against hand-worked values.
#include "kernels/cpu/quantize_cpu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tests/kernels/expect_kernel_error.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Ints = std::vector<std::int32_t>;
using Floats = std::vector<float>;

std::vector<int> as_int8(const Bytes& b) {
  std::vector<int> out;
  for (auto v : b) out.push_back(static_cast<std::int8_t>(v));
  return out;
}

TEST(QuantizeCpu, RoundsHalfToEvenAndSaturates) {
  const Floats in = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 1000.f, -1000.f, 0.74f};
  const Floats scale = {1.0f};
  Bytes out(in.size());
  quantize_cpu(in, {scale, {}, Signedness::kSigned, {}}, out);
  EXPECT_EQ(as_int8(out), (std::vector<int>{0, 2, 2, 0, -2, 127, -128, 1}));
}

TEST(QuantizeCpu, NanGoesToZeroPointAndInfinitiesSaturate) {
  const float inf = std::numeric_limits<float>::infinity();
  const Floats in = {std::nanf(""), inf, -inf};
  const Floats scale = {0.5f};
  const Ints zp = {10};
  Bytes out(3);
  quantize_cpu(in, {scale, zp, Signedness::kUnsigned, {}}, out);
  EXPECT_EQ(out, (Bytes{10, 255, 0}));
}

TEST(QuantizeCpu, PerChannelAlongTheMiddleAxis) {
  // Shape [outer=2, channels=2, inner=2]; channel 0 scale 1 zp 0, channel 1 scale 0.5 zp 100.
  const Floats in = {1, 2, 1, 2, 3, 4, 3, 4};
  const Floats scale = {1.0f, 0.5f};
  const Ints zp = {0, 100};
  Bytes out(8);
  quantize_cpu(in, {scale, zp, Signedness::kUnsigned, {2, 2}}, out);
  EXPECT_EQ(out, (Bytes{1, 2, 102, 104, 3, 4, 106, 108}));
  Floats back(8);
  dequantize_cpu(out, {scale, zp, Signedness::kUnsigned, {2, 2}}, back);
  EXPECT_EQ(back, in);
}

TEST(DequantizeCpu, SubtractsZeroPointThenScales) {
  const Bytes in = {0x80, 0xFF, 0x00, 0x7F};  // int8 -128, -1, 0, 127
  const Floats scale = {0.25f};
  const Ints zp = {-1};
  Floats out(4);
  dequantize_cpu(in, {scale, zp, Signedness::kSigned, {}}, out);
  EXPECT_EQ(out, (Floats{-31.75f, 0.0f, 0.25f, 32.0f}));
}

TEST(RequantizeCpu, FixedPointRoundsHalfUpAndClamps) {
  // multiplier 2^30 with shift 0 is a scale of 0.5.
  const Ints in = {100, 3, -3, 5, 1000, -1000};
  const Ints mult = {1 << 30};
  const Ints shift = {0};
  Bytes out(in.size());
  requantize_cpu(in, {mult, shift, {}, 0, Signedness::kSigned, {}}, out);
  EXPECT_EQ(as_int8(out), (std::vector<int>{50, 2, -1, 3, 127, -128}));
}

TEST(RequantizeCpu, PerChannelBiasShiftAndZeroPoint) {
  // Channels = columns of a 2x2 output (channels 2, inner 1).
  const Ints in = {10, 10, -20, 40};
  const Ints mult = {1 << 30, 1 << 30};
  const Ints shift = {-1, 1};  // scales 1.0 and 0.25
  const Ints bias = {5, -8};
  Bytes out(4);
  requantize_cpu(in, {mult, shift, bias, 128, Signedness::kUnsigned, {2, 1}}, out);
  // (10+5)*1 + 128, round((10-8)/4)=1 -> 129, (-20+5)+128, (40-8)/4=8 -> 136.
  EXPECT_EQ(out, (Bytes{143, 129, 113, 136}));
}

TEST(FixedPointScale, NearestMultiplierAndShift) {
  EXPECT_EQ(fixed_point_scale(0.5).multiplier, 1 << 30);
  EXPECT_EQ(fixed_point_scale(0.5).shift, 0);
  EXPECT_EQ(fixed_point_scale(0.25).shift, 1);
  EXPECT_EQ(fixed_point_scale(1.0).shift, -1);
  const FixedPointScale third = fixed_point_scale(1.0 / 3.0);
  EXPECT_EQ(third.multiplier, 1431655765);  // round(2^32 / 3)
  EXPECT_EQ(third.shift, 1);
  EXPECT_THROW(fixed_point_scale(0.0), KernelError);
  EXPECT_THROW(fixed_point_scale(1e-12), KernelError);
}

using testing::expect_error;

TEST(QuantizeCpu, RejectsBadParametersByName) {
  const Floats in(4, 1.0f);
  Bytes out(4), out3(3);
  const Ints four(4);
  const Floats one = {1.0f};
  const Floats three = {1.0f, 1.0f, 1.0f};
  const Floats zero = {0.0f};
  const Ints zp300 = {300};
  expect_error(
      [&] {
        quantize_cpu(in, {one, {}, Signedness::kSigned, {}}, out3);
      },
      "input has 4 elements but output 3");
  expect_error(
      [&] {
        quantize_cpu(in, {three, {}, Signedness::kSigned, {2, 1}}, out);
      },
      "scale has 3 values, expected 1 or channels = 2");
  expect_error(
      [&] {
        quantize_cpu(in, {zero, {}, Signedness::kSigned, {}}, out);
      },
      "scale[0] = 0 is not finite");
  expect_error(
      [&] {
        quantize_cpu(in, {one, zp300, Signedness::kUnsigned, {}}, out);
      },
      "zero_point[0] = 300 is outside 0..255");
  expect_error(
      [&] {
        quantize_cpu(in, {one, {}, Signedness::kSigned, {0, 1}}, out);
      },
      "channels >= 1");
  const Ints mult = {1 << 30};
  const Ints bad_shift = {40};
  expect_error(
      [&] {
        requantize_cpu(four, {mult, bad_shift, {}, 0, Signedness::kSigned, {}}, out);
      },
      "shift[0] = 40 is outside -30..31");
}

}  // namespace
}  // namespace hycim::kernels
