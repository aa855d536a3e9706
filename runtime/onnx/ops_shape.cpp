// Operators that move or relabel elements: Reshape, Flatten, Transpose,
// Squeeze, Unsqueeze, Identity, Constant, Cast.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

void reshape(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  Shape s = int_list(ctx.input(1));
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == 0 && !ctx.node.attr_int("allowzero", 0)) {
      if (i >= y.rank()) throw RuntimeError("shape copies a dimension the input does not have");
      s[i] = y.shape()[i];
    }
    if (s[i] == -1) {
      if (infer >= 0) throw RuntimeError("more than one -1 in the shape");
      infer = static_cast<int64_t>(i);
    } else if (s[i] < 0 || __builtin_mul_overflow(known, s[i], &known)) {
      // The shape is the model's data: a product that overflows cannot
      // match the input's elements (and overflowing it is undefined).
      throw RuntimeError(
          fmt::format("cannot reshape {} to {}", shape_string(y.shape()), shape_string(s)));
    }
  }
  if (infer >= 0) {
    if (known == 0 || y.size() % known)
      throw RuntimeError(
          fmt::format("cannot reshape {} to {}", shape_string(y.shape()), shape_string(s)));
    s[static_cast<size_t>(infer)] = y.size() / known;
  }
  y.reshape(s);
  ctx.out[0] = std::move(y);
}

void flatten(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  const int64_t axis = ctx.node.attr_int("axis", 1);
  const int64_t a = axis == static_cast<int64_t>(y.rank()) ? axis : normalize_axis(axis, y.rank());
  int64_t outer = 1;
  for (int64_t i = 0; i < a; ++i) outer *= y.shape()[static_cast<size_t>(i)];
  y.reshape({outer, outer ? y.size() / outer : 0});
  ctx.out[0] = std::move(y);
}

template <typename T>
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm) {
  const Shape& in = x.shape();
  Shape out(in.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in[static_cast<size_t>(perm[i])];
  std::vector<int64_t> in_strides(in.size(), 1);
  for (size_t i = in.size(); i-- > 1;) in_strides[i - 1] = in_strides[i] * in[i];
  Tensor y(dtype_of<T>(), out);
  const auto& xv = x.values<T>();
  auto& yv = y.values<T>();
  std::vector<int64_t> idx(out.size(), 0);
  for (size_t i = 0; i < yv.size(); ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < out.size(); ++d)
      src += idx[d] * in_strides[static_cast<size_t>(perm[d])];
    yv[i] = xv[static_cast<size_t>(src)];
    for (size_t d = out.size(); d-- > 0;)
      if (++idx[d] < out[d])
        break;
      else
        idx[d] = 0;
  }
  return y;
}

void transpose_kernel(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> perm(x.rank());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
  perm = ctx.node.attr_ints("perm", perm);
  std::vector<int64_t> check = perm;
  std::sort(check.begin(), check.end());
  for (size_t i = 0; i < check.size(); ++i)
    if (check[i] != static_cast<int64_t>(i) || check.size() != x.rank())
      throw RuntimeError("perm is not a permutation of the axes");
  ctx.out[0] = with_type(x.dtype(), [&](auto tag) { return transpose<decltype(tag)>(x, perm); });
}

std::vector<int64_t> axes_of(const ExecContext& ctx) {
  if (ctx.has_input(1)) return int_list(ctx.input(1));
  return ctx.node.attr_ints("axes", {});
}

void squeeze(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  auto axes = axes_of(ctx);
  for (auto& a : axes) a = normalize_axis(a, y.rank());
  Shape s;
  for (size_t i = 0; i < y.rank(); ++i) {
    const bool listed = std::count(axes.begin(), axes.end(), static_cast<int64_t>(i)) > 0;
    if (listed && y.shape()[i] != 1)
      throw RuntimeError(fmt::format("cannot squeeze axis {} of size {}", i, y.shape()[i]));
    if (!(listed || (axes.empty() && y.shape()[i] == 1))) s.push_back(y.shape()[i]);
  }
  y.reshape(s);
  ctx.out[0] = std::move(y);
}

void unsqueeze(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  auto axes = axes_of(ctx);
  const size_t rank = y.rank() + axes.size();
  for (auto& a : axes) a = normalize_axis(a, rank);
  Shape s;
  size_t j = 0;
  for (size_t i = 0; i < rank; ++i)
    s.push_back(std::count(axes.begin(), axes.end(), static_cast<int64_t>(i)) ? 1 : y.shape()[j++]);
  y.reshape(s);
  ctx.out[0] = std::move(y);
}

// Constant: a tensor, or (opset 12) one float / int or a list of them.
void constant(ExecContext& ctx) {
  const auto& attrs = ctx.node.attrs;
  if (auto it = attrs.find("value"); it != attrs.end() && it->second.t) {
    ctx.out[0] = *it->second.t;
  } else if (auto f = attrs.find("value_float"); f != attrs.end()) {
    ctx.out[0] = Tensor(Shape{}, std::vector<float>{f->second.f});
  } else if (auto fs = attrs.find("value_floats"); fs != attrs.end()) {
    ctx.out[0] = Tensor(Shape{static_cast<int64_t>(fs->second.floats.size())}, fs->second.floats);
  } else if (auto i = attrs.find("value_int"); i != attrs.end()) {
    ctx.out[0] = Tensor(Shape{}, std::vector<int64_t>{i->second.i});
  } else if (auto is = attrs.find("value_ints"); is != attrs.end()) {
    ctx.out[0] = Tensor(Shape{static_cast<int64_t>(is->second.ints.size())}, is->second.ints);
  } else {
    throw RuntimeError(
        "needs a value, value_float(s) or value_int(s) attribute (sparse and string values are not "
        "supported)");
  }
}

template <typename T>
Tensor cast_to(const Tensor& x) {
  std::vector<T> v(static_cast<size_t>(x.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    const double d = x.as_double(static_cast<int64_t>(i));
    if constexpr (std::is_same_v<T, bool>)
      v[i] = d != 0;
    else
      v[i] = static_cast<T>(d);
  }
  return Tensor(x.shape(), std::move(v));
}

void cast(ExecContext& ctx) {
  const DType to = dtype_from_onnx_code(ctx.node.attr_int("to", 0), "Cast's 'to'");
  ctx.out[0] = with_type(to, [&](auto tag) { return cast_to<decltype(tag)>(ctx.input(0)); });
}

// CastLike: Cast to the element type of the second input.
void cast_like(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  ctx.out[0] = with_type(ctx.input(1).dtype(), [&](auto tag) { return cast_to<decltype(tag)>(x); });
}

}  // namespace

void add_shape_kernels(std::map<std::string, KernelFn>& t) {
  t["Reshape"] = reshape;
  t["Flatten"] = flatten;
  t["Transpose"] = transpose_kernel;
  t["Squeeze"] = squeeze;
  t["Unsqueeze"] = unsqueeze;
  t["Identity"] = [](ExecContext& c) { c.out[0] = c.input(0); };
  t["Constant"] = constant;
  t["Cast"] = cast;
  t["CastLike"] = cast_like;
}

}  // namespace hycim::runtime
