// Internal: the quantisation kernels' launchers, used by quantize_gpu.cpp.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/cpu/quantize_cpu.hpp"

namespace hycim::kernels::detail {

// A 1-or-per-channel parameter list in device memory (size 0: every value 0).
template <class T>
struct DeviceParam {
  const T* values = nullptr;
  std::uint64_t size = 0;

#if defined(__CUDACC__)
  __device__ T at(std::uint64_t i, const ChannelLayout& l) const {
    if (size == 0) return T{};
    return size == 1 ? values[0] : values[channel_of(i, l)];
  }
#endif
};

void launch_quantize(const float* in, std::uint64_t n, DeviceParam<float> scale,
                     DeviceParam<std::int32_t> zp, Signedness sign, ChannelLayout layout,
                     std::uint8_t* out, cudaStream_t stream);
void launch_dequantize(const std::uint8_t* in, std::uint64_t n, DeviceParam<float> scale,
                       DeviceParam<std::int32_t> zp, Signedness sign, ChannelLayout layout,
                       float* out, cudaStream_t stream);
void launch_requantize(const std::int32_t* in, std::uint64_t n, DeviceParam<std::int32_t> mult,
                       DeviceParam<std::int32_t> shift, DeviceParam<std::int32_t> bias,
                       std::int32_t zp, Signedness sign, ChannelLayout layout, std::uint8_t* out,
                       cudaStream_t stream);

}  // namespace hycim::kernels::detail
