// Neural-network operators that run on the host: Softmax, LogSoftmax, ArgMax,
// MaxPool, AveragePool, GlobalAveragePool.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {
namespace {

struct AxisSplit {
  int64_t outer = 1, len = 1, inner = 1;
};

AxisSplit split_at(const Shape& s, int64_t axis, bool flatten_rest) {
  const auto r = static_cast<int64_t>(s.size());
  if (axis < -r || axis >= std::max<int64_t>(r, 1))
    throw RuntimeError(fmt::format("axis {} out of range for rank {}", axis, r));
  if (axis < 0) axis += r;
  AxisSplit a;
  for (int64_t i = 0; i < r; ++i) {
    const int64_t d = s[static_cast<size_t>(i)];
    if (i < axis)
      a.outer *= d;
    else if (i == axis || flatten_rest)
      a.len *= d;
    else
      a.inner *= d;
  }
  return a;
}

void softmax(ExecContext& ctx, bool log) {
  Tensor y = ctx.input(0);
  // Before opset 13 Softmax worked on the input flattened to 2-D at `axis`.
  const bool old = ctx.opset < 13;
  const AxisSplit a = split_at(y.shape(), ctx.node.attr_int("axis", old ? 1 : -1), old);
  auto& v = y.values<float>();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      auto at = [&](int64_t j) -> float& {
        return v[static_cast<size_t>((o * a.len + j) * a.inner + i)];
      };
      float mx = -std::numeric_limits<float>::infinity(), sum = 0;
      for (int64_t j = 0; j < a.len; ++j) mx = std::max(mx, at(j));
      for (int64_t j = 0; j < a.len; ++j) sum += std::exp(at(j) - mx);
      for (int64_t j = 0; j < a.len; ++j)
        at(j) = log ? at(j) - mx - std::log(sum) : std::exp(at(j) - mx) / sum;
    }
  ctx.out[0] = std::move(y);
}

void argmax(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t axis = ctx.node.attr_int("axis", 0);
  const bool keep = ctx.node.attr_int("keepdims", 1) != 0,
             last = ctx.node.attr_int("select_last_index", 0) != 0;
  const AxisSplit a = split_at(x.shape(), axis, false);
  Shape out = x.shape();
  const size_t ax = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(out.size()) : axis);
  if (keep)
    out[ax] = 1;
  else
    out.erase(out.begin() + static_cast<ptrdiff_t>(ax));
  Tensor y(DType::kInt64, out);
  auto& yv = y.values<int64_t>();
  for (int64_t o = 0; o < a.outer; ++o)
    for (int64_t i = 0; i < a.inner; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < a.len; ++j) {
        const double v = x.as_double((o * a.len + j) * a.inner + i),
                     b = x.as_double((o * a.len + best) * a.inner + i);
        if (v > b || (last && v == b)) best = j;
      }
      yv[static_cast<size_t>(o * a.inner + i)] = best;
    }
  ctx.out[0] = std::move(y);
}

// 2-D pooling over NCHW; `average` divides by the window cells inside the
// input (count_include_pad=0, the default).
void pool(ExecContext& ctx, bool average) {
  const Tensor& x = ctx.input(0);
  if (x.rank() != 4)
    throw RuntimeError(
        fmt::format("only 2-D pooling (NCHW); input is {}", shape_string(x.shape())));
  if (ctx.node.attr_string("auto_pad", "NOTSET") != "NOTSET" || ctx.node.attr_int("ceil_mode", 0))
    throw RuntimeError("auto_pad and ceil_mode are not supported");
  const auto k = ctx.node.attr_ints("kernel_shape", {});
  const auto s = ctx.node.attr_ints("strides", {1, 1}),
             p = ctx.node.attr_ints("pads", {0, 0, 0, 0});
  if (k.size() != 2 || s.size() != 2 || p.size() != 4)
    throw RuntimeError("kernel_shape, strides, pads must be 2-D");
  const Shape& in = x.shape();
  const int64_t oh = (in[2] + p[0] + p[2] - k[0]) / s[0] + 1,
                ow = (in[3] + p[1] + p[3] - k[1]) / s[1] + 1;
  Tensor y(DType::kFloat, {in[0], in[1], oh, ow});
  const auto& xv = x.values<float>();
  auto& yv = y.values<float>();
  size_t o = 0;
  for (int64_t nc = 0; nc < in[0] * in[1]; ++nc)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox, ++o) {
        float acc = average ? 0.0f : -std::numeric_limits<float>::infinity();
        int64_t cells = 0;
        for (int64_t ky = 0; ky < k[0]; ++ky)
          for (int64_t kx = 0; kx < k[1]; ++kx) {
            const int64_t iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx;
            if (iy < 0 || iy >= in[2] || ix < 0 || ix >= in[3]) continue;
            const float v = xv[static_cast<size_t>((nc * in[2] + iy) * in[3] + ix)];
            acc = average ? acc + v : std::max(acc, v);
            ++cells;
          }
        yv[o] = average ? acc / static_cast<float>(std::max<int64_t>(cells, 1)) : acc;
      }
  ctx.out[0] = std::move(y);
}

void global_average_pool(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 3) throw RuntimeError("input needs N, C and spatial dimensions");
  Shape out(x.rank(), 1);
  out[0] = x.shape()[0], out[1] = x.shape()[1];
  const int64_t plane = x.size() / (out[0] * out[1]);
  Tensor y(DType::kFloat, out);
  const auto& xv = x.values<float>();
  for (size_t i = 0; i < y.values<float>().size(); ++i) {
    float sum = 0;
    for (int64_t j = 0; j < plane; ++j)
      sum += xv[i * static_cast<size_t>(plane) + static_cast<size_t>(j)];
    y.values<float>()[i] = sum / static_cast<float>(plane);
  }
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_nn_kernels(std::map<std::string, KernelFn>& t) {
  t["Softmax"] = [](ExecContext& c) { softmax(c, false); };
  t["LogSoftmax"] = [](ExecContext& c) { softmax(c, true); };
  t["ArgMax"] = argmax;
  t["MaxPool"] = [](ExecContext& c) { pool(c, false); };
  t["AveragePool"] = [](ExecContext& c) { pool(c, true); };
  t["GlobalAveragePool"] = global_average_pool;
}

}  // namespace hycim::runtime
