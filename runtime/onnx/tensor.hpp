// A dense tensor of one of the element types the runtime executes: float for
// the float path, uint8/int8 for quantized data, int32 for accumulators, int64
// for shapes and indices, bool for masks and conditions; double and the other
// integer widths for the host operators of models that use them. Storage is a
// typed vector so no access reinterprets bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/onnx/error.hpp"

namespace hycim::runtime {

// Index order matches Tensor's storage variant.
enum class DType {
  kFloat,
  kUint8,
  kInt8,
  kInt32,
  kInt64,
  kBool,
  kDouble,
  kInt16,
  kUint16,
  kUint32,
  kUint64
};

const char* to_string(DType t);
// ONNX's TensorProto.DataType numbers (FLOAT = 1, ..., UINT64 = 13), the
// codes of Cast's `to` and of every tensor in a model file; an unsupported
// code (string, float16, complex) is refused naming `what`.
DType dtype_from_onnx_code(int64_t code, const std::string& what);
int32_t onnx_code(DType t);

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::kFloat;
}
template <>
constexpr DType dtype_of<uint8_t>() {
  return DType::kUint8;
}
template <>
constexpr DType dtype_of<int8_t>() {
  return DType::kInt8;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::kInt32;
}
template <>
constexpr DType dtype_of<int64_t>() {
  return DType::kInt64;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::kBool;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::kDouble;
}
template <>
constexpr DType dtype_of<int16_t>() {
  return DType::kInt16;
}
template <>
constexpr DType dtype_of<uint16_t>() {
  return DType::kUint16;
}
template <>
constexpr DType dtype_of<uint32_t>() {
  return DType::kUint32;
}
template <>
constexpr DType dtype_of<uint64_t>() {
  return DType::kUint64;
}

using Shape = std::vector<int64_t>;

// Elements of `shape`; throws RuntimeError for a negative dimension or more
// elements than max_tensor_elements(). Every tensor is sized through it, so a
// shape a model computes (ConstantOfShape, Expand, Tile, a broadcast) is
// refused, naming its size, before anything is allocated.
int64_t element_count(const Shape& shape);
std::string shape_string(const Shape& shape);
// The most elements one tensor may have: 2^28 (1 GiB of floats) unless set,
// for the whole process (a fuzzer sets less than its allocation limit).
int64_t max_tensor_elements();
void set_max_tensor_elements(int64_t n);

// Bytes `n` elements of `t` take (a bool counts one byte).
uint64_t bytes_of(DType t, int64_t n);
// "4.0 MiB": binary units, for messages.
std::string byte_string(uint64_t bytes);

// While one is installed on a thread, every tensor that thread allocates is
// handed to it with its bytes first, so a run's memory budget (Session) can
// refuse an allocation before it is made, in one place rather than in each
// kernel. Installing nests: the previous check comes back on destruction.
class AllocationCheck {
 public:
  explicit AllocationCheck(std::function<void(uint64_t bytes)> check);
  ~AllocationCheck();
  AllocationCheck(const AllocationCheck&) = delete;
  AllocationCheck& operator=(const AllocationCheck&) = delete;

 private:
  friend void check_allocation(uint64_t bytes);
  std::function<void(uint64_t)> check_;
  AllocationCheck* previous_;
};
// Hands `bytes` to this thread's check, if one is installed; kernels that
// build per-element scratch before their output announce the output first.
void check_allocation(uint64_t bytes);

class Tensor {
 public:
  Tensor() : Tensor(DType::kFloat, {0}) {}
  Tensor(DType dtype, Shape shape);
  template <typename T>
  Tensor(Shape shape, std::vector<T> values) : shape_(std::move(shape)), data_(std::move(values)) {
    check_size();
  }

  DType dtype() const { return static_cast<DType>(data_.index()); }
  const Shape& shape() const { return shape_; }
  int64_t size() const { return element_count(shape_); }
  size_t rank() const { return shape_.size(); }
  uint64_t bytes() const { return bytes_of(dtype(), size()); }
  // Same elements, new shape (element counts must match).
  void reshape(Shape shape);

  // Typed access; throws RuntimeError naming both types on a mismatch.
  template <typename T>
  std::vector<T>& values() {
    check_type(dtype_of<T>());
    return std::get<std::vector<T>>(data_);
  }
  template <typename T>
  const std::vector<T>& values() const {
    check_type(dtype_of<T>());
    return std::get<std::vector<T>>(data_);
  }
  // Element i converted to double / int64, whatever the stored type.
  double as_double(int64_t i) const;
  int64_t as_int(int64_t i) const;
  // Exact equality of type, shape and elements.
  bool operator==(const Tensor& other) const = default;

 private:
  void check_type(DType want) const;
  void check_size() const;

  Shape shape_;
  // Index order matches DType.
  std::variant<std::vector<float>, std::vector<uint8_t>, std::vector<int8_t>, std::vector<int32_t>,
               std::vector<int64_t>, std::vector<bool>, std::vector<double>, std::vector<int16_t>,
               std::vector<uint16_t>, std::vector<uint32_t>, std::vector<uint64_t>>
      data_;
};

}  // namespace hycim::runtime
