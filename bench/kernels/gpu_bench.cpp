// CUDA kernels against their baselines, timed with CUDA events in the same
// run: the int8 GEMM/GEMV paths against cuBLASLt's int8 GEMM (same shapes,
// same zero-point handling), ZVC against a device-to-device cudaMemcpy of the
// uncompressed bytes. Where no GPU can be used every row reports why.
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/cuda/cublaslt_gemm.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "kernels/cuda/gemm_gpu.hpp"
#include "kernels/cuda/zvc_gpu.hpp"

namespace hycim::kernels {
namespace {

// Times one enqueue-and-finish of `work` on the default stream.
class EventTimer {
 public:
  EventTimer() {
    check_cuda(cudaEventCreate(&start_), "cudaEventCreate");
    check_cuda(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventTimer() {
    (void)cudaEventDestroy(start_);
    (void)cudaEventDestroy(stop_);
  }
  template <class F>
  double seconds(F&& work) {
    check_cuda(cudaEventRecord(start_), "cudaEventRecord");
    work();
    check_cuda(cudaEventRecord(stop_), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0;
    check_cuda(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms / 1e3;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

bool skip_without_gpu(benchmark::State& st) {
  const std::string why = cuda_unavailable_reason();
  if (!why.empty()) st.SkipWithError(why.c_str());
  return !why.empty();
}

DeviceBuffer<std::uint8_t> device_bytes(std::size_t n, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(density);
  std::vector<std::uint8_t> host(n, 0);
  for (auto& v : host) {
    if (keep(rng)) v = static_cast<std::uint8_t>(1 + rng() % 255);
  }
  return DeviceBuffer<std::uint8_t>(std::span<const std::uint8_t>(host));
}

// range(0) = M, range(1) = N, range(2) = K.
GemmShape shape_of(const benchmark::State& st) {
  return {st.range(0), st.range(1), st.range(2)};
}

template <class F>
void time_loop(benchmark::State& st, F&& work) {
  EventTimer timer;
  work();  // warm-up: module load, pool growth
  for (auto _ : st) st.SetIterationTime(timer.seconds(work));
}

void BM_GpuGemm(benchmark::State& st, GemmPath path) {
  if (skip_without_gpu(st)) return;
  const GemmShape s = shape_of(st);
  const auto a = device_bytes(static_cast<std::size_t>(s.m * s.k), 1.0, 1);
  const auto b = device_bytes(static_cast<std::size_t>(s.k * s.n), 1.0, 2);
  DeviceBuffer<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
  time_loop(st, [&] { gemm_gpu(s, a.span(), {}, b.span(), {}, c.span(), path); });
  st.SetItemsProcessed(st.iterations() * s.m * s.n * s.k);
}

void BM_CublasLt(benchmark::State& st) {
  if (skip_without_gpu(st)) return;
  const GemmShape s = shape_of(st);
  const auto a = device_bytes(static_cast<std::size_t>(s.m * s.k), 1.0, 1);
  const auto b = device_bytes(static_cast<std::size_t>(s.k * s.n), 1.0, 2);
  DeviceBuffer<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
  CublasLtGemm lt;
  lt.set_weights(s.k, s.n, b.span(), {});  // weights are stored once, as for a layer
  time_loop(st, [&] { lt.run(s.m, a.span(), {}, c.span()); });
  st.SetItemsProcessed(st.iterations() * s.m * s.n * s.k);
}

constexpr std::size_t kBytes = std::size_t{256} << 20;

void BM_GpuMemcpy(benchmark::State& st) {
  if (skip_without_gpu(st)) return;
  const auto in = device_bytes(kBytes, 1.0, 3);
  DeviceBuffer<std::uint8_t> out(kBytes);
  time_loop(st, [&] {
    check_cuda(cudaMemcpyAsync(out.data(), in.data(), kBytes, cudaMemcpyDeviceToDevice),
               "cudaMemcpyAsync");
  });
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

// range(0): percent of non-zero elements. Bytes = the uncompressed tensor.
void BM_GpuZvcCompress(benchmark::State& st) {
  if (skip_without_gpu(st)) return;
  const auto in = device_bytes(kBytes, st.range(0) / 100.0, 4);
  DeviceBuffer<std::uint32_t> mask(zvc_mask_words(kBytes));
  DeviceBuffer<std::uint8_t> values(kBytes);
  ZvcGpu zvc(kBytes);
  time_loop(st, [&] { zvc.compress(in.span(), 0, mask.span(), values.span()); });
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

void BM_GpuZvcDecompress(benchmark::State& st) {
  if (skip_without_gpu(st)) return;
  const auto in = device_bytes(kBytes, st.range(0) / 100.0, 4);
  DeviceBuffer<std::uint32_t> mask(zvc_mask_words(kBytes));
  DeviceBuffer<std::uint8_t> values(kBytes), out(kBytes);
  ZvcGpu zvc(kBytes);
  const std::uint64_t count = zvc.compress(in.span(), 0, mask.span(), values.span());
  const ZvcView view{kBytes, 0, mask.span(), values.span().first(count)};
  time_loop(st, [&] { zvc.decompress(view, out.span()); });
  st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(kBytes));
}

void gemm_args(benchmark::internal::Benchmark* b) {
  b->Args({4096, 4096, 4096})
      ->Args({1, 4096, 4096})
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

BENCHMARK_CAPTURE(BM_GpuGemm, dp4a, GemmPath::kDp4a)->Apply(gemm_args);
BENCHMARK_CAPTURE(BM_GpuGemm, tensor_core, GemmPath::kTensorCore)->Apply(gemm_args);
BENCHMARK_CAPTURE(BM_GpuGemm, gemv, GemmPath::kGemv)
    ->Args({1, 4096, 4096})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CublasLt)->Apply(gemm_args);
BENCHMARK(BM_GpuMemcpy)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GpuZvcCompress)->Arg(10)->Arg(50)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GpuZvcDecompress)->Arg(10)->Arg(50)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hycim::kernels

BENCHMARK_MAIN();
