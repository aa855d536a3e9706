#include "runtime/onnx/op_util.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hycim::runtime {

int64_t normalize_axis(int64_t axis, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    throw RuntimeError(fmt::format("axis {} out of range for rank {}", axis, rank));
  return axis < 0 ? axis + r : axis;
}

std::vector<int64_t> int_list(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.size()));
  for (int64_t i = 0; i < t.size(); ++i) v[static_cast<size_t>(i)] = t.as_int(i);
  return v;
}

AxisExtent around_axis(const Shape& shape, size_t axis) {
  AxisExtent e;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) e.outer *= shape[d];
    if (d == axis) e.len = shape[d];
    if (d > axis) e.inner *= shape[d];
  }
  return e;
}

Tensor shape_output(const Node& node, const Shape& dims) {
  const auto r = static_cast<int64_t>(dims.size());
  auto clampi = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
  const int64_t b = clampi(node.attr_int("start", 0)), e = clampi(node.attr_int("end", r));
  std::vector<int64_t> v(dims.begin() + b, dims.begin() + std::max(b, e));
  const Shape out{static_cast<int64_t>(v.size())};  // before v is moved from
  return Tensor(out, std::move(v));
}

Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i + a.size() >= out.size() ? a[i + a.size() - out.size()] : 1;
    const int64_t db = i + b.size() >= out.size() ? b[i + b.size() - out.size()] : 1;
    if (da != db && da != 1 && db != 1)
      throw RuntimeError(
          fmt::format("shapes {} and {} do not broadcast", shape_string(a), shape_string(b)));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

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

}  // namespace hycim::runtime
