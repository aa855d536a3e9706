// Normalizations on the host: BatchNormalization (inference form; the
// fold_batch_norm pass moves it into a preceding Conv or Gemm where it can),
// LayerNormalization (opset 17; older exports decompose it into
// ReduceMean/Sub/Pow/Sqrt/Div), InstanceNormalization. Statistics are
// accumulated in double.
#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

// Values of a per-channel parameter as double, checked to have `n` of them.
std::vector<double> per_channel(const Tensor& t, int64_t n, const char* what) {
  if (t.size() != n)
    throw RuntimeError(fmt::format("{} has {} values, the input {} channels", what, t.size(), n));
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = t.as_double(i);
  return v;
}

// Normalizes `len` elements in place to zero mean and unit variance, then
// x = x * scale(j) + bias(j); returns the mean and 1 / stddev it used.
template <typename T, typename Scale, typename Bias>
std::pair<double, double> normalize_row(T* x, int64_t len, double eps, Scale scale, Bias bias) {
  double mean = 0, var = 0;
  for (int64_t j = 0; j < len; ++j) mean += x[j];
  mean /= static_cast<double>(len);
  for (int64_t j = 0; j < len; ++j) var += (x[j] - mean) * (x[j] - mean);
  const double inv = 1 / std::sqrt(var / static_cast<double>(len) + eps);
  for (int64_t j = 0; j < len; ++j) x[j] = static_cast<T>((x[j] - mean) * inv * scale(j) + bias(j));
  return {mean, inv};
}

void batch_normalization(ExecContext& ctx) {
  if (ctx.node.attr_int("training_mode", 0))
    throw RuntimeError("training_mode=1 is not supported (inference only)");
  if (ctx.out.size() > 1 && ctx.opset >= 14)
    throw RuntimeError("running mean and variance outputs exist only in training mode");
  Tensor y = ctx.input(0);
  if (y.rank() < 2) throw RuntimeError("input needs N and C dimensions");
  const int64_t c = y.shape()[1], plane = c ? y.size() / (y.shape()[0] * c) : 0;
  const auto scale = per_channel(ctx.input(1), c, "scale"),
             bias = per_channel(ctx.input(2), c, "B"), mean = per_channel(ctx.input(3), c, "mean"),
             var = per_channel(ctx.input(4), c, "var");
  const double eps = ctx.node.attr_float("epsilon", 1e-5f);
  with_float_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto& v = y.values<T>();
    for (size_t i = 0; i < v.size(); ++i) {
      const auto ch = static_cast<size_t>((static_cast<int64_t>(i) / plane) % c);
      v[i] = static_cast<T>((v[i] - mean[ch]) / std::sqrt(var[ch] + eps) * scale[ch] + bias[ch]);
    }
  });
  ctx.out[0] = std::move(y);
}

// Normalizes each of `outer` rows of `len` elements; scale/bias broadcast
// over the row (LayerNormalization) or are per row group (InstanceNorm).
void layer_normalization(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  const auto axis = static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", -1), y.rank()));
  const double eps = ctx.node.attr_float("epsilon", 1e-5f);
  int64_t outer = 1, len = 1;
  for (size_t d = 0; d < y.rank(); ++d) (d < axis ? outer : len) *= y.shape()[d];
  Shape stat_shape = y.shape();
  for (size_t d = axis; d < stat_shape.size(); ++d) stat_shape[d] = 1;
  Shape row(y.shape().begin() + static_cast<ptrdiff_t>(axis), y.shape().end());
  // Scale and B broadcast to the normalized part of the shape.
  auto row_values = [&](size_t i, double fallback) {
    std::vector<double> v(static_cast<size_t>(len), fallback);
    if (!ctx.has_input(i)) return v;
    const Tensor& p = ctx.input(i);
    broadcast_shape(row, p.shape());
    for_each_broadcast<1>(row, {p.shape()}, [&](int64_t j, const auto& o) {
      v[static_cast<size_t>(j)] = p.as_double(o[0]);
    });
    return v;
  };
  const auto scale = row_values(1, 1), bias = row_values(2, 0);
  Tensor mean_t(DType::kFloat, stat_shape), inv_t(DType::kFloat, stat_shape);
  with_float_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto& v = y.values<T>();
    for (int64_t r = 0; r < outer; ++r) {
      const auto [mean, inv] = normalize_row(
          v.data() + r * len, len, eps, [&](int64_t j) { return scale[static_cast<size_t>(j)]; },
          [&](int64_t j) { return bias[static_cast<size_t>(j)]; });
      mean_t.values<float>()[static_cast<size_t>(r)] = static_cast<float>(mean);
      inv_t.values<float>()[static_cast<size_t>(r)] = static_cast<float>(inv);
    }
  });
  ctx.out[0] = std::move(y);
  if (ctx.out.size() > 1) ctx.out[1] = std::move(mean_t);
  if (ctx.out.size() > 2) ctx.out[2] = std::move(inv_t);
}

void instance_normalization(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  if (y.rank() < 3) throw RuntimeError("input needs N, C and spatial dimensions");
  const int64_t c = y.shape()[1], plane = y.size() / (y.shape()[0] * c);
  const auto scale = per_channel(ctx.input(1), c, "scale"),
             bias = per_channel(ctx.input(2), c, "B");
  const double eps = ctx.node.attr_float("epsilon", 1e-5f);
  with_float_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto& v = y.values<T>();
    for (int64_t r = 0; r < y.shape()[0] * c; ++r) {
      const auto ch = static_cast<size_t>(r % c);
      normalize_row(
          v.data() + r * plane, plane, eps, [&](int64_t) { return scale[ch]; },
          [&](int64_t) { return bias[ch]; });
    }
  });
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_normalization_kernels(std::map<std::string, KernelFn>& t) {
  t["BatchNormalization"] = batch_normalization;
  t["LayerNormalization"] = layer_normalization;
  t["InstanceNormalization"] = instance_normalization;
}

}  // namespace hycim::runtime
