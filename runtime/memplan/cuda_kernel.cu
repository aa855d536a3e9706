#include <cuda_runtime.h>

#include "runtime/memplan/cuda_kernel.hpp"

namespace hycim::memplan {

namespace {

__device__ std::uint32_t mix(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

__global__ void synthetic(CudaKernelArgs a) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < a.out_bytes; i += stride) {
    std::uint32_t h = a.seed;
    for (int k = 0; k < a.inputs; ++k) h = h * 31u + a.in[k][i % a.in_bytes[k]];
    const bool zero = (mix(a.seed ^ static_cast<std::uint32_t>(i / 4)) & 1023u) < a.zero_below;
    a.out[i] = zero ? 0 : static_cast<std::uint8_t>(mix(h));
  }
}

}  // namespace

int launch_synthetic_kernel(const CudaKernelArgs& a, void* stream) {
  const std::uint64_t blocks = (a.out_bytes + 255) / 256;
  synthetic<<<static_cast<unsigned>(blocks < 4096 ? (blocks ? blocks : 1) : 4096), 256, 0,
              static_cast<cudaStream_t>(stream)>>>(a);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace hycim::memplan
