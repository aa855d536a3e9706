// The executor's GPU backend: cudaMalloc'd device memory, one compute and two
// copy streams, CUDA events for ordering, reuse and timing. Built only when
// HYCIM_HAVE_CUDA; make_cuda_backend() returns null when no device is present.
#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "runtime/memplan/backend.hpp"
#include "runtime/memplan/cuda_kernel.hpp"
#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess)
    throw MemplanError(fmt::format("cuda: {} failed: {}", what, cudaGetErrorString(e)));
}

class CudaSource final : public MemorySource {
 public:
  std::string name() const override { return "cuda"; }
  void* allocate(std::uint64_t bytes) override {
    void* p = nullptr;
    return cudaMalloc(&p, bytes) == cudaSuccess ? p : nullptr;
  }
  void release(void* p, std::uint64_t) override { cudaFree(p); }
};

class CudaBackend final : public Backend {
 public:
  CudaBackend() {
    for (auto& s : streams_) check(cudaStreamCreate(&s), "cudaStreamCreate");
  }
  ~CudaBackend() override {
    cudaDeviceSynchronize();
    for (auto e : events_) cudaEventDestroy(e);
    for (auto s : streams_) cudaStreamDestroy(s);
  }
  std::string name() const override { return "cuda"; }
  std::unique_ptr<MemorySource> device_source() override { return std::make_unique<CudaSource>(); }
  void copy_to_host(void* h, const void* d, std::uint64_t n, Stream s) override {
    check(cudaMemcpyAsync(h, d, n, cudaMemcpyDeviceToHost, streams_[s]), "copy to host");
  }
  void copy_to_device(void* d, const void* h, std::uint64_t n, Stream s) override {
    check(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, streams_[s]), "copy to device");
  }
  void fill(void* d, const void* h, std::uint64_t n) override {
    synchronize();
    check(cudaMemcpy(d, h, n, cudaMemcpyHostToDevice), "fill");
  }
  void read(void* h, const void* d, std::uint64_t n) override {
    synchronize();
    check(cudaMemcpy(h, d, n, cudaMemcpyDeviceToHost), "read");
  }
  void run(const KernelArgs& k, Stream s) override {
    if (k.inputs.size() > static_cast<std::size_t>(kMaxKernelInputs))
      throw MemplanError(fmt::format("cuda: an op with {} inputs (at most {})", k.inputs.size(),
                                     kMaxKernelInputs));
    CudaKernelArgs a{};
    a.seed = k.seed;
    a.inputs = static_cast<int>(k.inputs.size());
    for (std::size_t i = 0; i < k.inputs.size(); ++i) {
      a.in[i] = k.inputs[i];
      a.in_bytes[i] = k.input_bytes[i];
    }
    a.out = k.output;
    a.out_bytes = k.output_bytes;
    a.zero_below = static_cast<std::uint32_t>(k.sparsity * 1024.0);
    check(static_cast<cudaError_t>(launch_synthetic_kernel(a, streams_[s])), "kernel launch");
  }
  std::uint64_t record(Stream s) override {
    cudaEvent_t e;
    check(cudaEventCreate(&e), "cudaEventCreate");
    check(cudaEventRecord(e, streams_[s]), "cudaEventRecord");
    events_.push_back(e);
    return events_.size() - 1;
  }
  void wait(Stream s, std::uint64_t ev) override {
    check(cudaStreamWaitEvent(streams_[s], events_[ev], 0), "cudaStreamWaitEvent");
  }
  bool done(std::uint64_t ev) override { return cudaEventQuery(events_[ev]) == cudaSuccess; }
  double elapsed_us(std::uint64_t from, std::uint64_t to) override {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, events_[from], events_[to]), "cudaEventElapsedTime");
    return ms * 1000.0;
  }
  void synchronize() override { check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

 private:
  cudaStream_t streams_[3] = {};
  std::vector<cudaEvent_t> events_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) return nullptr;
  return std::make_unique<CudaBackend>();
}

}  // namespace hycim::memplan
