// CPU twins' throughput, each next to a baseline measured in the same run:
// the twin GEMM/GEMV against a textbook i-j-k int8 loop, compression,
// decompression and quantisation against memcpy of the same bytes.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/gemm_cpu.hpp"
#include "kernels/cpu/quantize_cpu.hpp"
#include "kernels/cpu/zvc_cpu.hpp"

namespace hycim::kernels {
namespace {

std::vector<std::uint8_t> random_bytes(std::size_t n, double density = 1.0, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  std::vector<std::uint8_t> out(n, 0);
  for (auto& v : out) {
    if (keep(rng)) v = static_cast<std::uint8_t>(1 + rng() % 255);
  }
  return out;
}

// M = N = K = range(0); shape {1, N, K} for GEMV with N = range(0), K = range(1).
GemmShape shape_of(const benchmark::State& st, bool gemv) {
  return gemv ? GemmShape{1, st.range(0), st.range(1)}
              : GemmShape{st.range(0), st.range(0), st.range(0)};
}

void report_macs(benchmark::State& st, const GemmShape& s) {
  st.SetItemsProcessed(st.iterations() * s.m * s.n * s.k);  // items = multiply-adds
}

template <bool kGemv>
void BM_TwinGemm(benchmark::State& st) {
  const GemmShape s = shape_of(st, kGemv);
  const auto a = random_bytes(static_cast<std::size_t>(s.m * s.k));
  const auto b = random_bytes(static_cast<std::size_t>(s.k * s.n), 1.0, 2);
  std::vector<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
  for (auto _ : st) {
    gemm_cpu(s, a, {}, b, {}, c);
    benchmark::DoNotOptimize(c.data());
  }
  report_macs(st, s);
}

// The plain int8 GEMM everyone writes first: i-j-k, B read down a column.
template <bool kGemv>
void BM_NaiveGemm(benchmark::State& st) {
  const GemmShape s = shape_of(st, kGemv);
  const auto a = random_bytes(static_cast<std::size_t>(s.m * s.k));
  const auto b = random_bytes(static_cast<std::size_t>(s.k * s.n), 1.0, 2);
  std::vector<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
  for (auto _ : st) {
    for (std::int64_t m = 0; m < s.m; ++m) {
      for (std::int64_t n = 0; n < s.n; ++n) {
        std::int32_t acc = 0;
        for (std::int64_t k = 0; k < s.k; ++k) {
          acc +=
              static_cast<std::int8_t>(a[m * s.k + k]) * static_cast<std::int8_t>(b[k * s.n + n]);
        }
        c[m * s.n + n] = acc;
      }
    }
    benchmark::DoNotOptimize(c.data());
  }
  report_macs(st, s);
}

constexpr std::size_t kBytes = std::size_t{16} << 20;  // one 16 MiB activation tensor

void BM_Memcpy(benchmark::State& st) {
  const auto in = random_bytes(kBytes);
  std::vector<std::uint8_t> out(kBytes);
  for (auto _ : st) {
    std::memcpy(out.data(), in.data(), kBytes);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

// range(0): percent of non-zero elements.
void BM_ZvcCompress(benchmark::State& st) {
  const auto in = random_bytes(kBytes, st.range(0) / 100.0);
  for (auto _ : st) {
    ZvcBuffer c = zvc_compress_cpu(in);
    benchmark::DoNotOptimize(c.values.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

void BM_ZvcDecompress(benchmark::State& st) {
  const ZvcBuffer c = zvc_compress_cpu(random_bytes(kBytes, st.range(0) / 100.0));
  std::vector<std::uint8_t> out(kBytes);
  for (auto _ : st) {
    zvc_decompress_cpu(c.view(), out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

// Bytes processed = the 8-bit side, like the memcpy it is compared with.
void BM_Quantize(benchmark::State& st) {
  std::vector<float> in(kBytes);
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 2.0f);
  for (auto& v : in) v = d(rng);
  const float scale[] = {0.02f};
  std::vector<std::uint8_t> out(kBytes);
  for (auto _ : st) {
    quantize_cpu(in, {scale, {}, Signedness::kSigned, {}}, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

void BM_Requantize(benchmark::State& st) {
  std::vector<std::int32_t> in(kBytes);
  std::mt19937 rng(4);
  for (auto& v : in) v = static_cast<std::int32_t>(rng() % 200001) - 100000;
  const FixedPointScale f = fixed_point_scale(0.0007);
  const std::int32_t mult[] = {f.multiplier}, shift[] = {f.shift};
  std::vector<std::uint8_t> out(kBytes);
  for (auto _ : st) {
    requantize_cpu(in, {mult, shift, {}, 0, Signedness::kSigned, {}}, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

BENCHMARK(BM_TwinGemm<false>)->Name("BM_TwinGemm")->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NaiveGemm<false>)->Name("BM_NaiveGemm")->Arg(256)->Unit(benchmark::kMillisecond);
// The device tile's MVM shape: K = 512 NVM rows, N = 32 lanes; and a wide layer.
BENCHMARK(BM_TwinGemm<true>)->Name("BM_TwinGemv")->Args({32, 512})->Args({4096, 4096});
BENCHMARK(BM_NaiveGemm<true>)->Name("BM_NaiveGemv")->Args({32, 512})->Args({4096, 4096});
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZvcCompress)->Arg(10)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ZvcDecompress)->Arg(10)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Quantize)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Requantize)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hycim::kernels

BENCHMARK_MAIN();
