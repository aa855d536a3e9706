// GPU quantize / dequantize / requantize against the CPU twin, bit for bit,
// including rounding ties, saturation, NaN and per-channel parameters.
#include "kernels/cuda/quantize_gpu.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu/quantize_cpu.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "kernels/quant_math.hpp"
#include "tests/kernels/gpu_test.hpp"
#include "tests/kernels/random_data.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Floats = std::vector<float>;
using Ints = std::vector<std::int32_t>;
using QuantizeGpuTest = testing::GpuTest;

// Values around and exactly on rounding ties of `scale`, plus the specials.
Floats tricky_floats(std::size_t n, float scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> steps(-400, 400);
  std::uniform_real_distribution<float> jitter(-1.0f, 1.0f);
  Floats out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float tie = (static_cast<float>(steps(rng)) + 0.5f) * scale;
    out[i] = i % 3 == 0 ? tie : tie + jitter(rng) * scale;
  }
  out[0] = std::numeric_limits<float>::quiet_NaN();
  out[1] = std::numeric_limits<float>::infinity();
  out[2] = -std::numeric_limits<float>::infinity();
  return out;
}

// Floats compared as bit patterns: "same float" including -0.0.
std::vector<std::uint32_t> bits(const Floats& v) {
  std::vector<std::uint32_t> out(v.size());
  std::memcpy(out.data(), v.data(), v.size() * sizeof(float));
  return out;
}

TEST_F(QuantizeGpuTest, QuantizeAndDequantizeMatchTheTwin) {
  const ChannelLayout layout{7, 13};  // [outer, 7, 13]
  const std::size_t n = 7 * 13 * 50 + 3 * 13;
  const Floats in = tricky_floats(n, 0.05f, 3);
  const Floats scales = {0.05f, 0.1f, 0.013f, 1.0f, 0.5f, 3.0f, 0.07f};
  const Floats one_scale = {0.05f};
  for (Signedness sign : {Signedness::kSigned, Signedness::kUnsigned}) {
    const Ints zps = testing::random_ints(7, min_value(sign), max_value(sign), 11);
    for (const QuantParams& p :
         {QuantParams{one_scale, {}, sign, layout}, QuantParams{scales, zps, sign, layout}}) {
      Bytes want(n);
      quantize_cpu(in, p, want);
      const DeviceBuffer<float> d_in{std::span<const float>(in)};
      DeviceBuffer<std::uint8_t> d_q(n);
      quantize_gpu(d_in.span(), p, d_q.span());
      const Bytes got = d_q.download();
      ASSERT_EQ(got, want);

      Floats want_f(n);
      dequantize_cpu(want, p, want_f);
      DeviceBuffer<float> d_f(n);
      dequantize_gpu(d_q.span(), p, d_f.span());
      ASSERT_EQ(bits(d_f.download()), bits(want_f));
    }
  }
}

TEST_F(QuantizeGpuTest, RequantizeMatchesTheTwin) {
  const ChannelLayout layout{16, 1};  // per output column of an M x 16 matrix
  const std::size_t n = 16 * 1000;
  Ints in = testing::random_ints(n, std::numeric_limits<std::int32_t>::min(),
                                 std::numeric_limits<std::int32_t>::max(), 5);
  const Ints mult = testing::random_ints(16, 1 << 30, std::numeric_limits<std::int32_t>::max(), 6);
  const Ints shift = testing::random_ints(16, kMinShift, kMaxShift, 7);
  const Ints bias = testing::random_ints(16, -100000, 100000, 8);
  for (Signedness sign : {Signedness::kSigned, Signedness::kUnsigned}) {
    const RequantParams p{mult, shift, bias, sign == Signedness::kSigned ? -3 : 130, sign, layout};
    Bytes want(n);
    requantize_cpu(in, p, want);
    const DeviceBuffer<std::int32_t> d_in{std::span<const std::int32_t>(in)};
    DeviceBuffer<std::uint8_t> d_out(n);
    requantize_gpu(d_in.span(), p, d_out.span());
    ASSERT_EQ(d_out.download(), want);
  }
}

// Argument checks come before any CUDA call, so they hold without a GPU too.
TEST(QuantizeGpuArguments, RejectBadParametersBeforeTouchingTheDevice) {
  const std::span<const float> in(static_cast<const float*>(nullptr), 4);
  const std::span<std::uint8_t> out(static_cast<std::uint8_t*>(nullptr), 4);
  const Floats two = {1.0f, 2.0f};
  try {
    quantize_gpu(in, {two, {}, Signedness::kSigned, {3, 1}}, out);
    ADD_FAILURE() << "no KernelError";
  } catch (const KernelError& e) {
    EXPECT_STREQ(e.what(), "quantize_gpu: scale has 2 values, expected 1 or channels = 3");
  }
}

}  // namespace
}  // namespace hycim::kernels
