#include "python/bindings/arrays.hpp"

#include <fmt/format.h>

#include <cstring>

namespace hycim::python {
namespace {

using runtime::DType;
using runtime::Tensor;

// numpy's kind and item size of each element type ('f' float, 'i' signed,
// 'u' unsigned, 'b' bool); byte order is left to numpy's conversion.
struct Kind {
  char kind;
  py::ssize_t size;
  DType type;
};
constexpr Kind kKinds[] = {
    {'f', 4, DType::kFloat},  {'f', 8, DType::kDouble}, {'u', 1, DType::kUint8},
    {'i', 1, DType::kInt8},   {'i', 2, DType::kInt16},  {'u', 2, DType::kUint16},
    {'i', 4, DType::kInt32},  {'u', 4, DType::kUint32}, {'i', 8, DType::kInt64},
    {'u', 8, DType::kUint64}, {'b', 1, DType::kBool}};

// A C-contiguous view (a copy only when the array is strided or of the
// other byte order); null when numpy cannot make one.
template <typename T>
py::array_t<T, py::array::c_style> contiguous(const py::array& a, const std::string& what) {
  auto c = py::array_t<T, py::array::c_style>::ensure(a);
  if (!c) throw py::type_error(what + ": numpy cannot give this array as a contiguous buffer");
  return c;
}

template <typename T>
Tensor copy_in(const py::array& a, runtime::Shape shape, const std::string& what) {
  const auto c = contiguous<T>(a, what);
  std::vector<T> v(static_cast<size_t>(c.size()));
  if (!v.empty()) std::memcpy(v.data(), c.data(), v.size() * sizeof(T));
  return Tensor(std::move(shape), std::move(v));
}

template <typename T>
py::array hand_over(std::vector<T>&& values, const runtime::Shape& shape) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule keep(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  return py::array_t<T>(dims, owned->data(), keep);
}

}  // namespace

Tensor tensor_from_array(const py::array& a, const std::string& what) {
  runtime::Shape shape(a.shape(), a.shape() + a.ndim());
  const py::dtype dt = a.dtype();
  for (const Kind& k : kKinds) {
    if (dt.kind() != k.kind || dt.itemsize() != k.size) continue;
    switch (k.type) {
      case DType::kFloat:
        return copy_in<float>(a, shape, what);
      case DType::kUint8:
        return copy_in<uint8_t>(a, shape, what);
      case DType::kInt8:
        return copy_in<int8_t>(a, shape, what);
      case DType::kInt32:
        return copy_in<int32_t>(a, shape, what);
      case DType::kInt64:
        return copy_in<int64_t>(a, shape, what);
      case DType::kDouble:
        return copy_in<double>(a, shape, what);
      case DType::kInt16:
        return copy_in<int16_t>(a, shape, what);
      case DType::kUint16:
        return copy_in<uint16_t>(a, shape, what);
      case DType::kUint32:
        return copy_in<uint32_t>(a, shape, what);
      case DType::kUint64:
        return copy_in<uint64_t>(a, shape, what);
      case DType::kBool: {
        const auto c = contiguous<bool>(a, what);
        std::vector<bool> v(c.data(), c.data() + c.size());
        return Tensor(std::move(shape), std::move(v));
      }
    }
  }
  throw py::type_error(fmt::format(
      "{}: numpy dtype {} is not an element type hycim runs (float32, float64, int8/16/32/64, "
      "uint8/16/32/64, bool)",
      what, py::cast<std::string>(dt.attr("name"))));
}

py::array array_from_tensor(Tensor&& t) {
  const runtime::Shape shape = t.shape();
  switch (t.dtype()) {
    case DType::kFloat:
      return hand_over(std::move(t.values<float>()), shape);
    case DType::kUint8:
      return hand_over(std::move(t.values<uint8_t>()), shape);
    case DType::kInt8:
      return hand_over(std::move(t.values<int8_t>()), shape);
    case DType::kInt32:
      return hand_over(std::move(t.values<int32_t>()), shape);
    case DType::kInt64:
      return hand_over(std::move(t.values<int64_t>()), shape);
    case DType::kDouble:
      return hand_over(std::move(t.values<double>()), shape);
    case DType::kInt16:
      return hand_over(std::move(t.values<int16_t>()), shape);
    case DType::kUint16:
      return hand_over(std::move(t.values<uint16_t>()), shape);
    case DType::kUint32:
      return hand_over(std::move(t.values<uint32_t>()), shape);
    case DType::kUint64:
      return hand_over(std::move(t.values<uint64_t>()), shape);
    case DType::kBool: {
      const auto& v = t.values<bool>();
      std::vector<py::ssize_t> dims(shape.begin(), shape.end());
      py::array_t<bool> out(dims);
      bool* p = out.mutable_data();
      for (size_t i = 0; i < v.size(); ++i) p[i] = v[i];
      return out;
    }
  }
  throw std::logic_error("unreachable element type");
}

py::array array_from_bytes(std::vector<std::byte>&& bytes) {
  auto* owned = new std::vector<std::byte>(std::move(bytes));
  py::capsule keep(owned, [](void* p) { delete static_cast<std::vector<std::byte>*>(p); });
  return py::array_t<uint8_t>({static_cast<py::ssize_t>(owned->size())},
                              reinterpret_cast<const uint8_t*>(owned->data()), keep);
}

}  // namespace hycim::python
