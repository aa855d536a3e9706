// Element-wise operators: binary arithmetic with numpy broadcasting (float,
// int32, int64) and float activations.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {
namespace {

Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i + a.size() >= out.size() ? a[i + a.size() - out.size()] : 1;
    const int64_t db = i + b.size() >= out.size() ? b[i + b.size() - out.size()] : 1;
    if (da != db && da != 1 && db != 1)
      throw RuntimeError(
          fmt::format("shapes {} and {} do not broadcast", shape_string(a), shape_string(b)));
    out[i] = std::max(da, db);
  }
  return out;
}

// Strides of `s` seen from an `out`-shaped index (0 on broadcast dimensions).
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t stride = 1;
  for (size_t i = s.size(); i-- > 0;) {
    const size_t o = i + out.size() - s.size();
    st[o] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

template <typename T, typename Op>
Tensor binary(const Tensor& a, const Tensor& b, Op op) {
  const Shape out = broadcast_shape(a.shape(), b.shape());
  Tensor y(dtype_of<T>(), out);
  const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  const auto &av = a.values<T>(), &bv = b.values<T>();
  auto& yv = y.values<T>();
  std::vector<int64_t> idx(out.size(), 0);
  int64_t oa = 0, ob = 0;
  for (size_t i = 0; i < yv.size(); ++i) {
    yv[i] = op(av[static_cast<size_t>(oa)], bv[static_cast<size_t>(ob)]);
    for (size_t d = out.size(); d-- > 0;) {  // odometer step over the output index
      oa += sa[d], ob += sb[d];
      if (++idx[d] < out[d]) break;
      oa -= sa[d] * out[d], ob -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
  return y;
}

template <typename Op>
void binary_kernel(ExecContext& ctx, Op op) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  if (a.dtype() != b.dtype())
    throw RuntimeError(
        fmt::format("operand types differ: {} and {}", to_string(a.dtype()), to_string(b.dtype())));
  switch (a.dtype()) {
    case DType::kFloat:
      ctx.out[0] = binary<float>(a, b, op);
      return;
    case DType::kInt32:
      ctx.out[0] = binary<int32_t>(a, b, op);
      return;
    case DType::kInt64:
      ctx.out[0] = binary<int64_t>(a, b, op);
      return;
    default:
      break;
  }
  throw RuntimeError(fmt::format("element type {} is not supported", to_string(a.dtype())));
}

template <typename Op>
void unary_float(ExecContext& ctx, Op op) {
  Tensor y = ctx.input(0);
  for (float& v : y.values<float>()) v = op(v);
  ctx.out[0] = std::move(y);
}

void clip(ExecContext& ctx) {
  float lo = ctx.node.attr_float("min", -INFINITY), hi = ctx.node.attr_float("max", INFINITY);
  if (ctx.has_input(1)) lo = ctx.input(1).values<float>().at(0);
  if (ctx.has_input(2)) hi = ctx.input(2).values<float>().at(0);
  unary_float(ctx, [=](float v) { return std::clamp(v, lo, hi); });
}

}  // namespace

void add_elementwise_kernels(std::map<std::string, KernelFn>& t) {
  t["Add"] = [](ExecContext& c) { binary_kernel(c, [](auto x, auto y) { return x + y; }); };
  t["Sub"] = [](ExecContext& c) { binary_kernel(c, [](auto x, auto y) { return x - y; }); };
  t["Mul"] = [](ExecContext& c) { binary_kernel(c, [](auto x, auto y) { return x * y; }); };
  t["Div"] = [](ExecContext& c) {
    binary_kernel(c, [](auto x, auto y) {
      if constexpr (std::is_integral_v<decltype(y)>)
        if (y == 0) throw RuntimeError("integer division by zero");
      return x / y;
    });
  };
  t["Relu"] = [](ExecContext& c) { unary_float(c, [](float v) { return v > 0 ? v : 0.0f; }); };
  t["LeakyRelu"] = [](ExecContext& c) {
    const float a = c.node.attr_float("alpha", 0.01f);
    unary_float(c, [a](float v) { return v > 0 ? v : a * v; });
  };
  t["Sigmoid"] = [](ExecContext& c) {
    unary_float(c, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
  };
  t["Tanh"] = [](ExecContext& c) { unary_float(c, [](float v) { return std::tanh(v); }); };
  t["Exp"] = [](ExecContext& c) { unary_float(c, [](float v) { return std::exp(v); }); };
  t["Neg"] = [](ExecContext& c) { unary_float(c, [](float v) { return -v; }); };
  t["Clip"] = clip;
}

}  // namespace hycim::runtime
