// Zero-value compression twin: the exact format, round trips at edge sizes,
// and the corrupt-input cases.
#include "kernels/cpu/zvc_cpu.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tests/kernels/expect_kernel_error.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;

// `density` of the elements are non-zero (never equal to `zero`).
Bytes random_activations(std::size_t n, double density, std::uint8_t zero, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(n, zero);
  for (auto& v : out) {
    if (!keep(rng)) continue;
    do v = static_cast<std::uint8_t>(byte(rng));
    while (v == zero);
  }
  return out;
}

TEST(ZvcCpu, FormatIsLsbFirstMaskAndPackedValues) {
  Bytes in(35, 0);
  in[0] = 5;
  in[3] = 0x80;
  in[31] = 1;
  in[34] = 255;
  const ZvcBuffer c = zvc_compress_cpu(in);
  EXPECT_EQ(c.count, 35u);
  EXPECT_EQ(c.mask, (std::vector<std::uint32_t>{0x80000009u, 0x4u}));
  EXPECT_EQ(c.values, (Bytes{5, 0x80, 1, 255}));
}

TEST(ZvcCpu, ZeroByteIsAParameter) {
  const Bytes in = {128, 128, 7, 128, 0};
  const ZvcBuffer c = zvc_compress_cpu(in, 128);
  EXPECT_EQ(c.mask, (std::vector<std::uint32_t>{0x14u}));
  EXPECT_EQ(c.values, (Bytes{7, 0}));
  Bytes back(in.size());
  zvc_decompress_cpu(c.view(), back);
  EXPECT_EQ(back, in);
}

TEST(ZvcCpu, RoundTripsAtEdgeSizesAndDensities) {
  for (std::size_t n : {0u, 1u, 31u, 32u, 33u, 1000u, 4099u}) {
    for (double density : {0.0, 0.1, 0.5, 1.0}) {
      const Bytes in = random_activations(n, density, 0, static_cast<unsigned>(n));
      const ZvcBuffer c = zvc_compress_cpu(in);
      EXPECT_EQ(c.mask.size(), (n + 31) / 32);
      Bytes back(n, 0xAA);
      zvc_decompress_cpu(c.view(), back);
      EXPECT_EQ(back, in) << "n=" << n << " density=" << density;
    }
  }
}

TEST(ZvcCpu, RoundTripsAHugeTensor) {
  const std::size_t n = (std::size_t{1} << 24) + 7;
  const Bytes in = random_activations(n, 0.3, 0, 7);
  const ZvcBuffer c = zvc_compress_cpu(in);
  EXPECT_LT(c.values.size(), n / 2);
  Bytes back(n);
  zvc_decompress_cpu(c.view(), back);
  EXPECT_EQ(back, in);
}

using testing::expect_error;

TEST(ZvcCpu, RejectsCorruptCompressedTensors) {
  const ZvcBuffer good = zvc_compress_cpu(Bytes{1, 0, 2, 0, 0});
  Bytes out(5);
  Bytes four(4);
  expect_error([&] { zvc_decompress_cpu(good.view(), four); }, "output has 4 elements");
  ZvcBuffer extra_word = good;
  extra_word.mask.push_back(0);
  expect_error([&] { zvc_decompress_cpu(extra_word.view(), out); }, "mask has 2 words");
  ZvcBuffer past_end = good;
  past_end.mask[0] |= 1u << 5;
  expect_error([&] { zvc_decompress_cpu(past_end.view(), out); }, "bits set past element 5");
  ZvcBuffer short_values = good;
  short_values.values.pop_back();
  expect_error([&] { zvc_decompress_cpu(short_values.view(), out); },
               "mask marks 2 non-zero elements but values holds 1");
}

}  // namespace
}  // namespace hycim::kernels
