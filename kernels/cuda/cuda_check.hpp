// CUDA runtime errors become KernelError with the call that failed; and the
// one question every GPU test asks first: is there a device at all?
// (Defined in a .cpp: nvcc cannot compile fmt's C++20 format-string checks.)
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

// Throws KernelError "<what>: <CUDA error text> (<code>)" unless err is cudaSuccess.
void check_cuda(cudaError_t err, const char* what);

// Empty when a CUDA device can be used; otherwise why not (no driver, no
// device), for GTEST_SKIP and benchmark messages.
std::string cuda_unavailable_reason();

}  // namespace hycim::kernels
