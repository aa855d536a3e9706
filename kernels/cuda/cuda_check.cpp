#include "kernels/cuda/cuda_check.hpp"

#include <fmt/format.h>

namespace hycim::kernels {

void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw KernelError(
        fmt::format("{}: {} ({})", what, cudaGetErrorString(err), static_cast<int>(err)));
  }
}

std::string cuda_unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // clear it so later calls start clean
    return fmt::format("no usable CUDA device: {}", cudaGetErrorString(err));
  }
  return count > 0 ? std::string() : std::string("no CUDA device found");
}

}  // namespace hycim::kernels
