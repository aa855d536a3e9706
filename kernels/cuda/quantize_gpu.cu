// Element-wise quantisation kernels: grid-stride loops around the scalar
// functions of kernels/quant_math.hpp, the very ones the CPU twin calls.
#include <algorithm>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/quantize_launch.hpp"
#include "kernels/quant_math.hpp"

namespace hycim::kernels::detail {
namespace {

__device__ inline std::uint64_t first_index() {
  return static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::uint64_t grid_stride() {
  return static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
}

__global__ void quantize_kernel(const float* __restrict__ in, std::uint64_t n,
                                DeviceParam<float> scale, DeviceParam<std::int32_t> zp,
                                Signedness sign, ChannelLayout l, std::uint8_t* __restrict__ out) {
  for (std::uint64_t i = first_index(); i < n; i += grid_stride()) {
    out[i] = static_cast<std::uint8_t>(quantize_value(in[i], scale.at(i, l), zp.at(i, l), sign));
  }
}

__global__ void dequantize_kernel(const std::uint8_t* __restrict__ in, std::uint64_t n,
                                  DeviceParam<float> scale, DeviceParam<std::int32_t> zp,
                                  Signedness sign, ChannelLayout l, float* __restrict__ out) {
  for (std::uint64_t i = first_index(); i < n; i += grid_stride()) {
    out[i] = dequantize_value(value_of(in[i], sign), scale.at(i, l), zp.at(i, l));
  }
}

__global__ void requantize_kernel(const std::int32_t* __restrict__ in, std::uint64_t n,
                                  DeviceParam<std::int32_t> mult, DeviceParam<std::int32_t> shift,
                                  DeviceParam<std::int32_t> bias, std::int32_t zp, Signedness sign,
                                  ChannelLayout l, std::uint8_t* __restrict__ out) {
  for (std::uint64_t i = first_index(); i < n; i += grid_stride()) {
    out[i] = static_cast<std::uint8_t>(
        requantize_value(in[i], bias.at(i, l), mult.at(i, l), shift.at(i, l), zp, sign));
  }
}

unsigned grid_for(std::uint64_t n) {
  return static_cast<unsigned>(std::clamp<std::uint64_t>((n + 255) / 256, 1, 65536));
}

}  // namespace

void launch_quantize(const float* in, std::uint64_t n, DeviceParam<float> scale,
                     DeviceParam<std::int32_t> zp, Signedness sign, ChannelLayout layout,
                     std::uint8_t* out, cudaStream_t stream) {
  quantize_kernel<<<grid_for(n), 256, 0, stream>>>(in, n, scale, zp, sign, layout, out);
  check_cuda(cudaGetLastError(), "quantize kernel launch");
}

void launch_dequantize(const std::uint8_t* in, std::uint64_t n, DeviceParam<float> scale,
                       DeviceParam<std::int32_t> zp, Signedness sign, ChannelLayout layout,
                       float* out, cudaStream_t stream) {
  dequantize_kernel<<<grid_for(n), 256, 0, stream>>>(in, n, scale, zp, sign, layout, out);
  check_cuda(cudaGetLastError(), "dequantize kernel launch");
}

void launch_requantize(const std::int32_t* in, std::uint64_t n, DeviceParam<std::int32_t> mult,
                       DeviceParam<std::int32_t> shift, DeviceParam<std::int32_t> bias,
                       std::int32_t zp, Signedness sign, ChannelLayout layout, std::uint8_t* out,
                       cudaStream_t stream) {
  requantize_kernel<<<grid_for(n), 256, 0, stream>>>(in, n, mult, shift, bias, zp, sign, layout,
                                                     out);
  check_cuda(cudaGetLastError(), "requantize kernel launch");
}

}  // namespace hycim::kernels::detail
