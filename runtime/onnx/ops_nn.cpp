// Neural-network operators that run on the host: Softmax, LogSoftmax,
// Hardmax, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, Dropout.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/onnx/op_util.hpp"

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

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

void softmax(ExecContext& ctx, SoftmaxKind kind) {
  Tensor y = ctx.input(0);
  // Before opset 13 these worked on the input flattened to 2-D at `axis`.
  const bool old = ctx.opset < 13;
  const AxisSplit a = split_at(y.shape(), ctx.node.attr_int("axis", old ? 1 : -1), old);
  with_float_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto& v = y.values<T>();
    for (int64_t o = 0; o < a.outer; ++o)
      for (int64_t i = 0; i < a.inner; ++i) {
        auto at = [&](int64_t j) -> T& {
          return v[static_cast<size_t>((o * a.len + j) * a.inner + i)];
        };
        double mx = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t first_max = 0;
        for (int64_t j = 0; j < a.len; ++j)
          if (at(j) > mx) mx = at(j), first_max = j;
        for (int64_t j = 0; j < a.len; ++j) sum += std::exp(at(j) - mx);
        for (int64_t j = 0; j < a.len; ++j) {
          const double e = at(j) - mx;
          at(j) = static_cast<T>(kind == SoftmaxKind::kHardmax      ? (j == first_max ? 1.0 : 0.0)
                                 : kind == SoftmaxKind::kLogSoftmax ? e - std::log(sum)
                                                                    : std::exp(e) / sum);
        }
      }
  });
  ctx.out[0] = std::move(y);
}

// Pooling over the spatial axes of N x C x D1 x ... (1-D, 2-D, 3-D), with
// pads, strides, dilations, auto_pad and ceil_mode. AveragePool divides by
// the window cells inside the input, or inside the padded input with
// count_include_pad=1.
struct PoolGeometry {
  Shape in, out, kernel, stride, dilation;
  std::vector<int64_t> pad_begin, pad_end;
};

PoolGeometry pool_geometry(const Node& node, const Shape& x) {
  if (x.size() < 3)
    throw RuntimeError(fmt::format("input {} needs N, C and spatial axes", shape_string(x)));
  const size_t n = x.size() - 2;
  PoolGeometry g;
  g.in.assign(x.begin() + 2, x.end());
  g.kernel = node.attr_ints("kernel_shape", {});
  g.stride = node.attr_ints("strides", Shape(n, 1));
  g.dilation = node.attr_ints("dilations", Shape(n, 1));
  auto pads = node.attr_ints("pads", Shape(2 * n, 0));
  if (g.kernel.size() != n || g.stride.size() != n || g.dilation.size() != n ||
      pads.size() != 2 * n)
    throw RuntimeError(
        fmt::format("kernel_shape, strides, dilations and pads must match {} spatial axes", n));
  const std::string ap = node.attr_string("auto_pad", "NOTSET");
  const bool ceil = node.attr_int("ceil_mode", 0) != 0;
  g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<ptrdiff_t>(n));
  g.pad_end.assign(pads.begin() + static_cast<ptrdiff_t>(n), pads.end());
  for (size_t d = 0; d < n; ++d) {
    const int64_t span = (g.kernel[d] - 1) * g.dilation[d] + 1, s = g.stride[d];
    if (s < 1 || g.kernel[d] < 1) throw RuntimeError("kernel_shape and strides must be positive");
    int64_t o = 0;
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      o = (g.in[d] + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (o - 1) * s + span - g.in[d]);
      g.pad_begin[d] = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_end[d] = total - g.pad_begin[d];
    } else if (ap == "VALID") {
      g.pad_begin[d] = g.pad_end[d] = 0;
      o = (g.in[d] - span) / s + 1;
    } else if (ap == "NOTSET") {
      const int64_t room = g.in[d] + g.pad_begin[d] + g.pad_end[d] - span;
      o = (ceil ? (room + s - 1) / s : room / s) + 1;
      // A window that would start inside the end padding is dropped.
      if (ceil && (o - 1) * s >= g.in[d] + g.pad_begin[d]) --o;
    } else {
      throw RuntimeError(fmt::format("auto_pad '{}' is not supported", ap));
    }
    if (o < 1) throw RuntimeError("kernel larger than the padded input");
    g.out.push_back(o);
  }
  return g;
}

void pool(ExecContext& ctx, bool average) {
  const Tensor& x = ctx.input(0);
  if (ctx.out.size() > 1 && !ctx.node.outputs[1].empty())
    throw RuntimeError("the Indices output is not supported");
  const PoolGeometry g = pool_geometry(ctx.node, x.shape());
  const bool include_pad = ctx.node.attr_int("count_include_pad", 0) != 0;
  const int64_t plane = element_count(g.in), out_plane = element_count(g.out);
  Shape out{x.shape()[0], x.shape()[1]};
  out.insert(out.end(), g.out.begin(), g.out.end());
  if (average && x.dtype() != DType::kFloat && x.dtype() != DType::kDouble)
    throw RuntimeError(
        fmt::format("AveragePool of {} is not supported (float, double)", to_string(x.dtype())));
  ctx.out[0] = with_number_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    const auto& xv = x.values<T>();
    auto& yv = y.values<T>();
    const size_t n = g.in.size();
    std::vector<int64_t> pos(n);
    for (int64_t nc = 0; nc < out[0] * out[1]; ++nc) {
      int64_t o = nc * out_plane;
      for_each_index(g.out, [&](int64_t, const std::vector<int64_t>& oi) {
        double acc = average ? 0.0 : -std::numeric_limits<double>::infinity();
        int64_t cells = 0;
        for_each_index(g.kernel, [&](int64_t, const std::vector<int64_t>& ki) {
          bool inside = true, in_padded = true;
          int64_t off = 0;
          for (size_t d = 0; d < n; ++d) {
            pos[d] = oi[d] * g.stride[d] - g.pad_begin[d] + ki[d] * g.dilation[d];
            inside = inside && pos[d] >= 0 && pos[d] < g.in[d];
            in_padded = in_padded && pos[d] >= -g.pad_begin[d] && pos[d] < g.in[d] + g.pad_end[d];
            off = off * g.in[d] + pos[d];
          }
          if (inside) {
            const double v = xv[static_cast<size_t>(nc * plane + off)];
            acc = average ? acc + v : std::max(acc, v);
          }
          cells += include_pad ? in_padded : inside;
        });
        yv[static_cast<size_t>(o++)] =
            static_cast<T>(average ? acc / static_cast<double>(std::max<int64_t>(cells, 1)) : acc);
      });
    }
    return y;
  });
}

// GlobalAveragePool / GlobalMaxPool: one value per (N, C) over all spatial axes.
void global_pool(ExecContext& ctx, bool average) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 3) throw RuntimeError("input needs N, C and spatial dimensions");
  Shape out(x.rank(), 1);
  out[0] = x.shape()[0], out[1] = x.shape()[1];
  const int64_t plane = x.size() / std::max<int64_t>(out[0] * out[1], 1);
  ctx.out[0] = with_float_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    const auto& xv = x.values<T>();
    auto& yv = y.values<T>();
    for (size_t i = 0; i < yv.size(); ++i) {
      double acc = average ? 0.0 : -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < plane; ++j) {
        const double v = xv[i * static_cast<size_t>(plane) + static_cast<size_t>(j)];
        acc = average ? acc + v : std::max(acc, v);
      }
      yv[i] = static_cast<T>(average ? acc / static_cast<double>(plane) : acc);
    }
    return y;
  });
}

// Dropout at inference is the identity; its optional mask is all true.
void dropout(ExecContext& ctx) {
  if (ctx.has_input(2) && ctx.input(2).values<bool>().at(0))
    throw RuntimeError("training_mode=true is not supported (inference only)");
  ctx.out[0] = ctx.input(0);
  if (ctx.out.size() > 1) {
    Tensor mask(DType::kBool, ctx.input(0).shape());
    mask.values<bool>().assign(static_cast<size_t>(mask.size()), true);
    ctx.out[1] = std::move(mask);
  }
}

}  // namespace

void add_nn_kernels(std::map<std::string, KernelFn>& t) {
  t["Softmax"] = [](ExecContext& c) { softmax(c, SoftmaxKind::kSoftmax); };
  t["LogSoftmax"] = [](ExecContext& c) { softmax(c, SoftmaxKind::kLogSoftmax); };
  t["Hardmax"] = [](ExecContext& c) { softmax(c, SoftmaxKind::kHardmax); };
  t["MaxPool"] = [](ExecContext& c) { pool(c, false); };
  t["AveragePool"] = [](ExecContext& c) { pool(c, true); };
  t["GlobalAveragePool"] = [](ExecContext& c) { global_pool(c, true); };
  t["GlobalMaxPool"] = [](ExecContext& c) { global_pool(c, false); };
  t["Dropout"] = dropout;
}

}  // namespace hycim::runtime
