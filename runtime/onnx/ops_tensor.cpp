// Operators that cut, join, index and grow tensors, on every element type:
// Concat, Split, Slice, Gather, GatherElements, Shape, Size, ConstantOfShape,
// Expand, Tile, Pad, Range, Trilu, CumSum, DepthToSpace, SpaceToDepth,
// EyeLike. Each computes, for every output element, which
// input element it copies (or the pad value), then copies in one typed loop.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// out[i] = x[src[i]], or `pad` (element 0 of a one-element tensor, of x's
// type) where src[i] < 0.
Tensor gather_elements_of(const Tensor& x, const Shape& out, const std::vector<int64_t>& src,
                          const Tensor* pad = nullptr) {
  return with_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    auto& yv = y.values<T>();
    const auto& xv = x.values<T>();
    const T fill = pad ? pad->values<T>().at(0) : T{};
    for (size_t i = 0; i < src.size(); ++i)
      yv[i] = src[i] >= 0 ? static_cast<T>(xv[static_cast<size_t>(src[i])]) : fill;
    return y;
  });
}

void concat(ExecContext& ctx) {
  const Tensor& first = ctx.input(0);
  const size_t axis =
      static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", 0), first.rank()));
  Shape out = first.shape();
  out[axis] = 0;
  for (size_t k = 0; k < ctx.in.size(); ++k) {
    const Tensor& t = ctx.input(k);
    if (t.dtype() != first.dtype() || t.rank() != first.rank())
      throw RuntimeError(fmt::format("input {} is {} {}, input 0 is {} {}", k, to_string(t.dtype()),
                                     shape_string(t.shape()), to_string(first.dtype()),
                                     shape_string(first.shape())));
    for (size_t d = 0; d < out.size(); ++d)
      if (d != axis && t.shape()[d] != out[d])
        throw RuntimeError(fmt::format("input {} has shape {}, input 0 {}: only axis {} may differ",
                                       k, shape_string(t.shape()), shape_string(first.shape()),
                                       axis));
    out[axis] += t.shape()[axis];
  }
  [[maybe_unused]] const auto [outer, len, inner] = around_axis(out, axis);
  ctx.out[0] = with_type(first.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    auto& yv = y.values<T>();
    size_t o = 0;
    for (int64_t b = 0; b < outer; ++b)
      for (size_t k = 0; k < ctx.in.size(); ++k) {
        const Tensor& t = ctx.input(k);
        const int64_t chunk = t.shape()[axis] * inner;
        const auto& tv = t.values<T>();
        for (int64_t j = 0; j < chunk; ++j) yv[o++] = tv[static_cast<size_t>(b * chunk + j)];
      }
    return y;
  });
}

void split(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const size_t axis = static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", 0), x.rank()));
  const int64_t len = x.shape()[axis];
  const auto n = static_cast<int64_t>(ctx.out.size());
  std::vector<int64_t> parts;
  if (ctx.opset >= 13 && ctx.has_input(1))
    parts = int_list(ctx.input(1));
  else if (ctx.opset < 13)
    parts = ctx.node.attr_ints("split", {});
  if (parts.empty()) {  // equal parts, the last one smaller (opset 18's num_outputs)
    const int64_t each = (len + n - 1) / n;
    for (int64_t k = 0; k < n; ++k) parts.push_back(std::min(each, len - k * each));
  }
  int64_t total = 0;
  for (int64_t p : parts) total += p;
  if (static_cast<int64_t>(parts.size()) != n || total != len)
    throw RuntimeError(fmt::format("split {} does not cut axis {} of size {} into {} outputs",
                                   shape_string(parts), axis, len, n));
  int64_t begin = 0;
  const auto st = strides_of(x.shape());
  for (int64_t k = 0; k < n; ++k) {
    Shape out = x.shape();
    out[axis] = parts[static_cast<size_t>(k)];
    std::vector<int64_t> src(static_cast<size_t>(element_count(out)));
    for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
      int64_t s = 0;
      for (size_t d = 0; d < idx.size(); ++d) s += (idx[d] + (d == axis ? begin : 0)) * st[d];
      src[static_cast<size_t>(i)] = s;
    });
    ctx.out[static_cast<size_t>(k)] = gather_elements_of(x, out, src);
    begin += parts[static_cast<size_t>(k)];
  }
}

void slice(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (ctx.opset < 10) {
    starts = ctx.node.attr_ints("starts", {});
    ends = ctx.node.attr_ints("ends", {});
    axes = ctx.node.attr_ints("axes", {});
  } else {
    starts = int_list(ctx.input(1));
    ends = int_list(ctx.input(2));
    if (ctx.has_input(3)) axes = int_list(ctx.input(3));
    if (ctx.has_input(4)) steps = int_list(ctx.input(4));
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw RuntimeError("starts, ends, axes and steps differ in length");
  const Shape& in = x.shape();
  std::vector<int64_t> first(in.size(), 0), step(in.size(), 1);
  Shape out = in;
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto d = static_cast<size_t>(normalize_axis(axes[k], in.size()));
    const int64_t dim = in[d], s = steps[k];
    if (s == 0) throw RuntimeError("a slice step is 0");
    if (dim == 0) {
      out[d] = 0;
      continue;
    }
    // ONNX's clamping: a backward slice may end before element 0 (at -1).
    auto clampi = [&](int64_t v, bool is_end) {
      if (v < 0) v += dim;
      if (s > 0) return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, is_end ? -1 : 0, dim - 1);
    };
    const int64_t b = clampi(starts[k], false), e = clampi(ends[k], true);
    first[d] = b, step[d] = s;
    out[d] = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                   : std::max<int64_t>(0, (b - e - s - 1) / -s);
  }
  const auto st = strides_of(in);
  std::vector<int64_t> src(static_cast<size_t>(element_count(out)));
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t s = 0;
    for (size_t d = 0; d < idx.size(); ++d) s += (first[d] + idx[d] * step[d]) * st[d];
    src[static_cast<size_t>(i)] = s;
  });
  ctx.out[0] = gather_elements_of(x, out, src);
}

void gather(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &ind = ctx.input(1);
  const size_t axis = static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", 0), x.rank()));
  const int64_t dim = x.shape()[axis];
  std::vector<int64_t> index = int_list(ind);
  for (auto& v : index) {
    if (v < -dim || v >= dim)
      throw RuntimeError(fmt::format("index {} out of range for axis {} of size {}", v, axis, dim));
    if (v < 0) v += dim;
  }
  Shape out(x.shape().begin(), x.shape().begin() + static_cast<ptrdiff_t>(axis));
  out.insert(out.end(), ind.shape().begin(), ind.shape().end());
  out.insert(out.end(), x.shape().begin() + static_cast<ptrdiff_t>(axis) + 1, x.shape().end());
  [[maybe_unused]] const auto [outer, len, inner] = around_axis(x.shape(), axis);
  std::vector<int64_t> src;
  src.reserve(static_cast<size_t>(element_count(out)));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j : index)
      for (int64_t i = 0; i < inner; ++i) src.push_back((o * dim + j) * inner + i);
  ctx.out[0] = gather_elements_of(x, out, src);
}

void gather_elements(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &ind = ctx.input(1);
  const size_t axis = static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", 0), x.rank()));
  if (ind.rank() != x.rank()) throw RuntimeError("indices and data differ in rank");
  const auto st = strides_of(x.shape());
  const auto index = int_list(ind);
  const int64_t dim = x.shape()[axis];
  std::vector<int64_t> src(index.size());
  for_each_index(ind.shape(), [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t j = index[static_cast<size_t>(i)];
    if (j < -dim || j >= dim) throw RuntimeError(fmt::format("index {} out of range", j));
    if (j < 0) j += dim;
    int64_t s = 0;
    for (size_t d = 0; d < idx.size(); ++d) s += (d == axis ? j : idx[d]) * st[d];
    src[static_cast<size_t>(i)] = s;
  });
  ctx.out[0] = gather_elements_of(x, ind.shape(), src);
}

void shape_of(ExecContext& ctx) {
  ctx.out[0] = shape_output(ctx.node, ctx.input(0).shape());
}

void constant_of_shape(ExecContext& ctx) {
  const Shape out = int_list(ctx.input(0));
  auto it = ctx.node.attrs.find("value");
  const Tensor fill = it != ctx.node.attrs.end() && it->second.t
                          ? *it->second.t
                          : Tensor(Shape{1}, std::vector<float>{0});
  if (fill.size() != 1) throw RuntimeError("value must hold one element");
  check_allocation(bytes_of(fill.dtype(), element_count(out)));  // before the index scratch
  ctx.out[0] = gather_elements_of(fill, out,
                                  std::vector<int64_t>(static_cast<size_t>(element_count(out)), 0));
}

// Expand and Tile: every output element reads a broadcast / wrapped input one.
void expand(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape out = broadcast_shape(x.shape(), int_list(ctx.input(1)));
  check_allocation(bytes_of(x.dtype(), element_count(out)));  // before the index scratch
  std::vector<int64_t> src(static_cast<size_t>(element_count(out)));
  for_each_broadcast<1>(out, {x.shape()},
                        [&](int64_t i, const auto& o) { src[static_cast<size_t>(i)] = o[0]; });
  ctx.out[0] = gather_elements_of(x, out, src);
}

void tile(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto reps = int_list(ctx.input(1));
  if (reps.size() != x.rank()) throw RuntimeError("repeats must have one value per axis");
  Shape out = x.shape();
  for (size_t d = 0; d < out.size(); ++d) out[d] *= reps[d];
  const auto st = strides_of(x.shape());
  check_allocation(bytes_of(x.dtype(), element_count(out)));  // before the index scratch
  std::vector<int64_t> src(static_cast<size_t>(element_count(out)));
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t s = 0;
    for (size_t d = 0; d < idx.size(); ++d) s += (idx[d] % x.shape()[d]) * st[d];
    src[static_cast<size_t>(i)] = s;
  });
  ctx.out[0] = gather_elements_of(x, out, src);
}

// Pad: constant, reflect, edge or wrap; pads as [begin..., end...].
void pad(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::string mode = ctx.node.attr_string("mode", "constant");
  std::vector<int64_t> pads;
  Tensor value =
      with_type(x.dtype(), [](auto tag) { return Tensor(dtype_of<decltype(tag)>(), {1}); });
  const size_t r = x.rank();
  if (ctx.opset < 11) {
    pads = ctx.node.attr_ints("pads", {});
    value = with_type(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return Tensor(Shape{1}, std::vector<T>{static_cast<T>(ctx.node.attr_float("value", 0))});
    });
  } else {
    pads = int_list(ctx.input(1));
    if (ctx.has_input(2) && ctx.input(2).size() > 0) {
      value = ctx.input(2);
      value.reshape({1});
    }
    if (ctx.has_input(3)) {  // opset 18: pads for the listed axes only
      const auto axes = int_list(ctx.input(3));
      std::vector<int64_t> full(2 * r, 0);
      if (pads.size() != 2 * axes.size()) throw RuntimeError("pads must have 2 values per axis");
      for (size_t k = 0; k < axes.size(); ++k) {
        const auto d = static_cast<size_t>(normalize_axis(axes[k], r));
        full[d] = pads[k], full[d + r] = pads[k + axes.size()];
      }
      pads = full;
    }
  }
  if (pads.size() != 2 * r)
    throw RuntimeError(fmt::format("pads has {} values, rank {} needs {}", pads.size(), r, 2 * r));
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    throw RuntimeError(fmt::format("mode '{}' is not supported", mode));
  Shape out = x.shape();
  for (size_t d = 0; d < r; ++d) {
    out[d] += pads[d] + pads[d + r];
    if (out[d] < 0) throw RuntimeError("pads remove more than the axis holds");
    if (mode != "constant" && x.shape()[d] == 0 && out[d] > 0)
      throw RuntimeError(fmt::format("mode '{}' cannot pad an empty axis", mode));
  }
  const auto st = strides_of(x.shape());
  check_allocation(bytes_of(x.dtype(), element_count(out)));  // before the index scratch
  std::vector<int64_t> src(static_cast<size_t>(element_count(out)));
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t s = 0;
    for (size_t d = 0; d < r && s >= 0; ++d) {
      const int64_t n = x.shape()[d];
      int64_t j = idx[d] - pads[d];
      if (j < 0 || j >= n) {
        if (mode == "constant") {
          s = -1;
          break;
        }
        if (mode == "edge") j = std::clamp<int64_t>(j, 0, n - 1);
        if (mode == "wrap") j = ((j % n) + n) % n;
        if (mode == "reflect") {
          const int64_t period = std::max<int64_t>(2 * (n - 1), 1);
          j = ((j % period) + period) % period;
          if (j >= n) j = period - j;
        }
      }
      s += j * st[d];
    }
    src[static_cast<size_t>(i)] = s;
  });
  ctx.out[0] = gather_elements_of(x, out, src, &value);
}

void range(ExecContext& ctx) {
  const Tensor &start = ctx.input(0), &limit = ctx.input(1), &delta = ctx.input(2);
  ctx.out[0] = with_number_type(start.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T b = start.values<T>().at(0), e = limit.values<T>().at(0), d = delta.values<T>().at(0);
    if (d == 0) throw RuntimeError("delta is 0");
    const double count =
        std::ceil((static_cast<double>(e) - static_cast<double>(b)) / static_cast<double>(d));
    // A count the limit refuses (or not a number: a NaN start) is named
    // before the values are allocated.
    if (!(count <= static_cast<double>(max_tensor_elements())))
      throw RuntimeError(
          fmt::format("Range from {} to {} by {} has {} elements, more than the {} "
                      "one tensor may have",
                      b, e, d, count, max_tensor_elements()));
    const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
    std::vector<T> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      v[static_cast<size_t>(i)] = static_cast<T>(b + static_cast<T>(i) * d);
    return Tensor(Shape{n}, std::move(v));
  });
}

// Trilu: keeps the upper (or lower) triangle of the last two axes from
// diagonal k on, zeroes the rest (attention masks).
void trilu(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() < 2) throw RuntimeError("input needs at least 2 axes");
  const int64_t k = ctx.has_input(1) ? ctx.input(1).as_int(0) : 0;
  const bool upper = ctx.node.attr_int("upper", 1) != 0;
  const int64_t rows = x.shape()[x.rank() - 2], cols = x.shape()[x.rank() - 1];
  std::vector<int64_t> src(static_cast<size_t>(x.size()));
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t r = (i / std::max<int64_t>(cols, 1)) % std::max<int64_t>(rows, 1),
                  c = i % std::max<int64_t>(cols, 1);
    src[static_cast<size_t>(i)] = (upper ? c - r >= k : c - r <= k) ? i : -1;
  }
  ctx.out[0] = gather_elements_of(x, x.shape(), src);
}

// CumSum along the axis given as an input; exclusive / reverse as asked.
void cumsum(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  const auto axis = static_cast<size_t>(normalize_axis(ctx.input(1).as_int(0), y.rank()));
  const bool exclusive = ctx.node.attr_int("exclusive", 0) != 0,
             reverse = ctx.node.attr_int("reverse", 0) != 0;
  const auto [outer, len, inner] = around_axis(y.shape(), axis);
  with_number_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto& v = y.values<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T acc{};
        for (int64_t s = 0; s < len; ++s) {
          const int64_t j = reverse ? len - 1 - s : s;
          T& e = v[static_cast<size_t>((o * len + j) * inner + i)];
          const T here = e;
          e = exclusive ? acc : static_cast<T>(acc + here);
          acc = static_cast<T>(acc + here);
        }
      }
  });
  ctx.out[0] = std::move(y);
}

// DepthToSpace (DCR or CRD order) and SpaceToDepth over N x C x H x W.
void depth_space(ExecContext& ctx, bool to_space) {
  const Tensor& x = ctx.input(0);
  if (x.rank() != 4) throw RuntimeError("input must be N x C x H x W");
  const int64_t b = ctx.node.attr_int("blocksize", 0);
  if (b < 1) throw RuntimeError("blocksize must be positive");
  const int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const bool crd = ctx.node.attr_string("mode", "DCR") == "CRD";
  if (to_space ? c % (b * b) : (h % b || w % b))
    throw RuntimeError(
        fmt::format("shape {} does not divide by blocksize {}", shape_string(x.shape()), b));
  const Shape out =
      to_space ? Shape{n, c / (b * b), h * b, w * b} : Shape{n, c * b * b, h / b, w / b};
  std::vector<int64_t> src(static_cast<size_t>(x.size()));
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& o) {
    int64_t sc, sy, sx;
    if (to_space) {
      const int64_t by = o[2] % b, bx = o[3] % b;
      sc = crd ? o[1] * b * b + by * b + bx : (by * b + bx) * out[1] + o[1];
      sy = o[2] / b, sx = o[3] / b;
    } else {  // output channel = (by * b + bx) * C + c
      const int64_t blk = o[1] / c, ch = o[1] % c;
      sc = ch, sy = o[2] * b + blk / b, sx = o[3] * b + blk % b;
    }
    src[static_cast<size_t>(i)] = ((o[0] * c + sc) * h + sy) * w + sx;
  });
  ctx.out[0] = gather_elements_of(x, out, src);
}

void eye_like(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.rank() != 2) throw RuntimeError("input must be 2-D");
  const DType t = ctx.node.has_attr("dtype")
                      ? dtype_from_onnx_code(ctx.node.attr_int("dtype", 1), "dtype")
                      : x.dtype();
  const int64_t k = ctx.node.attr_int("k", 0);
  Tensor one = with_type(t, [](auto tag) {
    using T = decltype(tag);
    return Tensor(Shape{1}, std::vector<T>{static_cast<T>(1)});
  });
  std::vector<int64_t> src(static_cast<size_t>(x.size()), -1);
  for (int64_t r = 0; r < x.shape()[0]; ++r)
    if (r + k >= 0 && r + k < x.shape()[1]) src[static_cast<size_t>(r * x.shape()[1] + r + k)] = 0;
  Tensor zero = with_type(t, [](auto tag) { return Tensor(dtype_of<decltype(tag)>(), {1}); });
  ctx.out[0] = gather_elements_of(one, x.shape(), src, &zero);
}

}  // namespace

void add_tensor_kernels(std::map<std::string, KernelFn>& t) {
  t["Concat"] = concat;
  t["Split"] = split;
  t["Slice"] = slice;
  t["Gather"] = gather;
  t["GatherElements"] = gather_elements;
  t["Shape"] = shape_of;
  t["Size"] = [](ExecContext& c) {
    c.out[0] = Tensor(Shape{}, std::vector<int64_t>{c.input(0).size()});
  };
  t["ConstantOfShape"] = constant_of_shape;
  t["Expand"] = expand;
  t["Tile"] = tile;
  t["Pad"] = pad;
  t["Range"] = range;
  t["Trilu"] = trilu;
  t["CumSum"] = cumsum;
  t["DepthToSpace"] = [](ExecContext& c) { depth_space(c, true); };
  t["SpaceToDepth"] = [](ExecContext& c) { depth_space(c, false); };
  t["EyeLike"] = eye_like;
}

}  // namespace hycim::runtime
