// The synthetic op kernel on a GPU (cuda_kernel.cu), computing the same bytes
// as synthetic_kernel_host. Plain types only: nvcc compiles the .cu without
// the project's C++20 headers.
#pragma once
#include <cstdint>

namespace hycim::memplan {

constexpr int kMaxKernelInputs = 16;

struct CudaKernelArgs {
  std::uint32_t seed;
  int inputs;
  const std::uint8_t* in[kMaxKernelInputs];
  std::uint64_t in_bytes[kMaxKernelInputs];
  std::uint8_t* out;
  std::uint64_t out_bytes;
  std::uint32_t zero_below;  // elements whose hash & 1023 is below this are zero
};

// Enqueues the kernel on `stream` (a cudaStream_t); returns the launch's cudaError_t.
int launch_synthetic_kernel(const CudaKernelArgs& a, void* stream);

}  // namespace hycim::memplan
