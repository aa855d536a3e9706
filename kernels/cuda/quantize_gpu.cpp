// quantize_gpu & co: the twin's parameter checks, parameter upload, launch.
#include "kernels/cuda/quantize_gpu.hpp"

#include "kernels/cuda/device_buffer.hpp"
#include "kernels/cuda/quantize_launch.hpp"

namespace hycim::kernels {
namespace {

template <class T>
detail::DeviceParam<T> view(const DeviceBuffer<T>& b) {
  return {b.data(), b.size()};
}

}  // namespace

void quantize_gpu(std::span<const float> in, const QuantParams& p, std::span<std::uint8_t> out,
                  cudaStream_t stream) {
  validate_quant("quantize_gpu", p, in.size(), out.size());
  if (in.empty()) return;
  const auto scale = DeviceBuffer<float>::scratch(p.scale, stream);
  const auto zp = DeviceBuffer<std::int32_t>::scratch(p.zero_point, stream);
  detail::launch_quantize(in.data(), in.size(), view(scale), view(zp), p.sign, p.layout, out.data(),
                          stream);
}

void dequantize_gpu(std::span<const std::uint8_t> in, const QuantParams& p, std::span<float> out,
                    cudaStream_t stream) {
  validate_quant("dequantize_gpu", p, in.size(), out.size());
  if (in.empty()) return;
  const auto scale = DeviceBuffer<float>::scratch(p.scale, stream);
  const auto zp = DeviceBuffer<std::int32_t>::scratch(p.zero_point, stream);
  detail::launch_dequantize(in.data(), in.size(), view(scale), view(zp), p.sign, p.layout,
                            out.data(), stream);
}

void requantize_gpu(std::span<const std::int32_t> in, const RequantParams& p,
                    std::span<std::uint8_t> out, cudaStream_t stream) {
  validate_requant("requantize_gpu", p, in.size(), out.size());
  if (in.empty()) return;
  const auto mult = DeviceBuffer<std::int32_t>::scratch(p.multiplier, stream);
  const auto shift = DeviceBuffer<std::int32_t>::scratch(p.shift, stream);
  const auto bias = DeviceBuffer<std::int32_t>::scratch(p.bias, stream);
  detail::launch_requantize(in.data(), in.size(), view(mult), view(shift), view(bias), p.zero_point,
                            p.sign, p.layout, out.data(), stream);
}

}  // namespace hycim::kernels
