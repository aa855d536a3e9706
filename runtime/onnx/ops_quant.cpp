// QuantizeLinear / DequantizeLinear, per tensor or per axis (opset 13).
#include <fmt/format.h>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

// Parameter index of element i: 0 for per-tensor, else its coordinate on `axis`.
struct AxisIndex {
  int64_t len = 1, inner = 1;
  size_t operator()(size_t i) const {
    return len == 1 ? 0 : static_cast<size_t>((static_cast<int64_t>(i) / inner) % len);
  }
};

AxisIndex axis_index(const ExecContext& ctx, const Tensor& x, const Tensor& scale) {
  AxisIndex a;
  if (scale.size() == 1) return a;
  int64_t axis = ctx.node.attr_int("axis", 1);
  const auto r = static_cast<int64_t>(x.rank());
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r || x.shape()[static_cast<size_t>(axis)] != scale.size())
    throw RuntimeError(fmt::format("{} scales do not match axis {} of {}", scale.size(), axis,
                                   shape_string(x.shape())));
  a.len = scale.size();
  for (int64_t d = axis + 1; d < r; ++d) a.inner *= x.shape()[static_cast<size_t>(d)];
  return a;
}

void quantize_linear(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &scale = ctx.input(1);
  const AxisIndex ai = axis_index(ctx, x, scale);
  const bool out_signed = ctx.has_input(2) && is_signed8(ctx.input(2));
  const ZeroPoints zp = zero_points(ctx, 2, static_cast<size_t>(scale.size()), "y_zero_point");
  Tensor y(out_signed ? DType::kInt8 : DType::kUint8, x.shape());
  const auto& xv = x.values<float>();
  const auto& sv = scale.values<float>();
  for (size_t i = 0; i < xv.size(); ++i) {
    const int32_t q = requantize(xv[i] / sv[ai(i)], zp.at(ai(i)), out_signed);
    if (out_signed)
      y.values<int8_t>()[i] = static_cast<int8_t>(q);
    else
      y.values<uint8_t>()[i] = static_cast<uint8_t>(q);
  }
  ctx.out[0] = std::move(y);
}

void dequantize_linear(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &scale = ctx.input(1);
  const AxisIndex ai = axis_index(ctx, x, scale);
  const ZeroPoints zp =
      x.dtype() == DType::kInt32
          ? ZeroPoints{}
          : zero_points(ctx, 2, static_cast<size_t>(scale.size()), "x_zero_point");
  Tensor y(DType::kFloat, x.shape());
  const auto& sv = scale.values<float>();
  for (size_t i = 0; i < static_cast<size_t>(x.size()); ++i)
    y.values<float>()[i] =
        static_cast<float>(x.as_int(static_cast<int64_t>(i)) - zp.at(ai(i))) * sv[ai(i)];
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_quant_kernels(std::map<std::string, KernelFn>& t) {
  t["QuantizeLinear"] = quantize_linear;
  t["DequantizeLinear"] = dequantize_linear;
}

}  // namespace hycim::runtime
