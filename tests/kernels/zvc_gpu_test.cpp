// GPU zero-value compression: byte-identical with the CPU twin and a
// bit-exact round trip, on sparse and dense tensors of edge sizes (0, 1, not a
// multiple of 32, several scan levels, huge); corrupt input refused.
#include "kernels/cuda/zvc_gpu.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/cpu/zvc_cpu.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "tests/kernels/gpu_test.hpp"

namespace hycim::kernels {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Words = std::vector<std::uint32_t>;
using ZvcGpuTest = testing::GpuTest;

Bytes sparse_bytes(std::size_t n, double density, std::uint8_t zero, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  Bytes out(n, zero);
  for (auto& v : out) {
    if (keep(rng)) v = static_cast<std::uint8_t>(zero + 1 + rng() % 255);
  }
  return out;
}

// Compresses on the GPU, compares with the twin, decompresses, compares.
void check_round_trip(ZvcGpu& zvc, const Bytes& in, std::uint8_t zero) {
  const ZvcBuffer want = zvc_compress_cpu(in, zero);
  const DeviceBuffer<std::uint8_t> d_in{std::span<const std::uint8_t>(in)};
  DeviceBuffer<std::uint32_t> mask(zvc_mask_words(in.size()));
  DeviceBuffer<std::uint8_t> values(in.size());
  const std::uint64_t count = zvc.compress(d_in.span(), zero, mask.span(), values.span());
  ASSERT_EQ(count, want.values.size()) << "n=" << in.size();
  ASSERT_EQ(mask.download(), want.mask) << "n=" << in.size();
  Bytes got_values = values.download();
  got_values.resize(count);
  ASSERT_EQ(got_values, want.values) << "n=" << in.size();

  DeviceBuffer<std::uint8_t> out(in.size());
  const ZvcView view{in.size(), zero, mask.span(), values.span().first(count)};
  zvc.decompress(view, out.span());
  ASSERT_EQ(out.download(), in) << "n=" << in.size();
}

TEST_F(ZvcGpuTest, MatchesCpuTwinAndRoundTripsAtEdgeSizes) {
  ZvcGpu zvc(std::size_t{1} << 22);
  unsigned seed = 0;
  for (std::size_t n : {0ul, 1ul, 31ul, 32ul, 33ul, 1000ul, 32768ul + 5, 40000ul * 32 + 17}) {
    for (double density : {0.0, 0.05, 0.5, 1.0}) {
      check_round_trip(zvc, sparse_bytes(n, density, 0, ++seed), 0);
    }
  }
  check_round_trip(zvc, sparse_bytes(1000, 0.3, 128, 99), 128);
}

TEST_F(ZvcGpuTest, RoundTripsAHugeTensor) {
  // 2^28 + 5 elements: 8M mask words, three levels of scan totals.
  const std::size_t n = (std::size_t{1} << 28) + 5;
  ZvcGpu zvc(n);
  check_round_trip(zvc, sparse_bytes(n, 0.25, 0, 7), 0);
}

TEST_F(ZvcGpuTest, RejectsCorruptCompressedTensors) {
  ZvcGpu zvc(64);
  const Bytes in = {1, 0, 2, 0, 0};
  const ZvcBuffer c = zvc_compress_cpu(in);
  Words bad_mask = c.mask;
  bad_mask[0] |= 1u << 5;
  const DeviceBuffer<std::uint32_t> d_bad{std::span<const std::uint32_t>(bad_mask)};
  const DeviceBuffer<std::uint32_t> d_mask{std::span<const std::uint32_t>(c.mask)};
  const DeviceBuffer<std::uint8_t> d_values{std::span<const std::uint8_t>(c.values)};
  DeviceBuffer<std::uint8_t> out(5);
  EXPECT_THROW(zvc.decompress({5, 0, d_bad.span(), d_values.span()}, out.span()), KernelError);
  EXPECT_THROW(zvc.decompress({5, 0, d_mask.span(), d_values.span().first(1)}, out.span()),
               KernelError);
  DeviceBuffer<std::uint8_t> big(65);
  Words words(3);
  EXPECT_THROW(zvc.compress(big.span(), 0, std::span<std::uint32_t>(words), big.span()),
               KernelError);
}

}  // namespace
}  // namespace hycim::kernels
