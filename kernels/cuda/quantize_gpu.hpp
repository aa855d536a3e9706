// Quantize / dequantize / requantize on the GPU: element-wise kernels around
// the same scalar functions as the CPU twin (kernels/quant_math.hpp), so the
// results are bit-identical. Tensors are device memory; the parameter lists
// inside QuantParams/RequantParams are host memory, uploaded per call.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

#include "kernels/cpu/quantize_cpu.hpp"

namespace hycim::kernels {

void quantize_gpu(std::span<const float> in, const QuantParams& p, std::span<std::uint8_t> out,
                  cudaStream_t stream = nullptr);
void dequantize_gpu(std::span<const std::uint8_t> in, const QuantParams& p, std::span<float> out,
                    cudaStream_t stream = nullptr);
void requantize_gpu(std::span<const std::int32_t> in, const RequantParams& p,
                    std::span<std::uint8_t> out, cudaStream_t stream = nullptr);

}  // namespace hycim::kernels
