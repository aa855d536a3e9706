// Helpers every host operator needs: axes as ONNX numbers them (negative
// from the end), integer lists carried in tensors, numpy broadcasting, and
// calling a kernel body with the C++ type of a tensor's elements.
#pragma once
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {

// axis in [-rank, rank) -> [0, rank); throws naming both otherwise.
int64_t normalize_axis(int64_t axis, size_t rank);
// Every element of an integer tensor (shapes, axes, indices) as int64.
std::vector<int64_t> int_list(const Tensor& t);

// Elements before, along and after `axis` of `shape`: element (o, j, i) is
// at (o * len + j) * inner + i.
struct AxisExtent {
  int64_t outer = 1, len = 1, inner = 1;
};
AxisExtent around_axis(const Shape& shape, size_t axis);

// The numpy broadcast of shapes; throws naming them when they do not.
Shape broadcast_shape(const Shape& a, const Shape& b);
// Shape's output (its start and end attributes, opset 15) for a value of
// dimensions `dims`: what the kernel gives and what constant folding gives a
// statically shaped value, which it does not allocate.
Tensor shape_output(const Node& node, const Shape& dims);
// Strides of `s` seen from an `out`-shaped index (0 on broadcast dimensions).
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out);

// Walks every element of `out` in order with the offset of the matching
// element in each of the broadcast inputs: f(out_index, offsets).
template <size_t N, typename F>
void for_each_broadcast(const Shape& out, const std::array<Shape, N>& in, F&& f) {
  std::array<std::vector<int64_t>, N> st;
  for (size_t k = 0; k < N; ++k) st[k] = broadcast_strides(in[k], out);
  std::array<int64_t, N> off{};
  std::vector<int64_t> idx(out.size(), 0);
  const int64_t n = element_count(out);
  for (int64_t i = 0; i < n; ++i) {
    f(i, off);
    for (size_t d = out.size(); d-- > 0;) {  // odometer step over the output index
      for (size_t k = 0; k < N; ++k) off[k] += st[k][d];
      if (++idx[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) off[k] -= st[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

// Visits every index of `shape` in row-major order: f(flat, index).
template <typename F>
void for_each_index(const Shape& shape, F&& f) {
  std::vector<int64_t> idx(shape.size(), 0);
  const int64_t n = element_count(shape);
  for (int64_t i = 0; i < n; ++i) {
    f(i, idx);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// f(T{}) with T the element type of `t` (float, uint8_t, ..., bool, double).
template <typename F>
decltype(auto) with_type(DType t, F&& f) {
  switch (t) {
    case DType::kFloat:
      return f(float{});
    case DType::kUint8:
      return f(uint8_t{});
    case DType::kInt8:
      return f(int8_t{});
    case DType::kInt32:
      return f(int32_t{});
    case DType::kInt64:
      return f(int64_t{});
    case DType::kBool:
      return f(bool{});
    case DType::kDouble:
      return f(double{});
    case DType::kInt16:
      return f(int16_t{});
    case DType::kUint16:
      return f(uint16_t{});
    case DType::kUint32:
      return f(uint32_t{});
    case DType::kUint64:
      return f(uint64_t{});
  }
  throw RuntimeError("unreachable element type");
}

// with_type restricted to numbers (not bool): the arithmetic operators'.
template <typename F>
decltype(auto) with_number_type(DType t, F&& f) {
  if (t == DType::kBool) throw RuntimeError("element type bool is not supported here");
  return with_type(t, [&](auto tag) {
    if constexpr (std::is_same_v<decltype(tag), bool>)
      return f(int8_t{});  // never taken: bool was refused above
    else
      return f(tag);
  });
}

// with_type restricted to float and double: the transcendental functions'.
template <typename F>
decltype(auto) with_float_type(DType t, F&& f) {
  if (t == DType::kDouble) return f(double{});
  if (t != DType::kFloat)
    throw RuntimeError(
        fmt::format("element type {} is not supported here (float, double)", to_string(t)));
  return f(float{});
}

}  // namespace hycim::runtime
