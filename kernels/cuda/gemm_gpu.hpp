// int8 GEMM / GEMV on the GPU with the conventions of int8_conventions.hpp,
// bit-exact with gemm_cpu/gemv_cpu. Spans point to device memory; zero points
// (inside OperandDesc) are host memory and are uploaded per call.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

enum class GemmPath : std::uint8_t {
  kDp4a,        // CUDA cores, 4-way int8 dot products (__dp4a)
  kTensorCore,  // int8 tensor cores through WMMA 16x16x16 fragments
  kGemv,        // M = 1 only: one pass over W, no tiles (tensor cores would sit idle)
};

const char* gemm_path_name(GemmPath path);

// C = (A - za)(B - zb) mod 2^32; A M x K, B K x N, C M x N, all row-major in
// device memory. Enqueued on `stream`; throws KernelError on bad shapes or
// zero points (before any launch) and on CUDA errors.
void gemm_gpu(const GemmShape& shape, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc, std::span<std::int32_t> c,
              GemmPath path, cudaStream_t stream = nullptr);

}  // namespace hycim::kernels
