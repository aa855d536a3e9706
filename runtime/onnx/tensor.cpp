#include "runtime/onnx/tensor.hpp"

#include <fmt/format.h>

namespace hycim::runtime {

const char* to_string(DType t) {
  switch (t) {
    case DType::kFloat:
      return "float";
    case DType::kUint8:
      return "uint8";
    case DType::kInt8:
      return "int8";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
  }
  return "unknown";
}

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw RuntimeError(fmt::format("negative dimension in shape {}", shape_string(shape)));
    n *= d;
  }
  return n;
}

std::string shape_string(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

Tensor::Tensor(DType dtype, Shape shape) : shape_(std::move(shape)) {
  const auto n = static_cast<size_t>(element_count(shape_));
  switch (dtype) {
    case DType::kFloat:
      data_ = std::vector<float>(n);
      break;
    case DType::kUint8:
      data_ = std::vector<uint8_t>(n);
      break;
    case DType::kInt8:
      data_ = std::vector<int8_t>(n);
      break;
    case DType::kInt32:
      data_ = std::vector<int32_t>(n);
      break;
    case DType::kInt64:
      data_ = std::vector<int64_t>(n);
      break;
  }
}

void Tensor::reshape(Shape shape) {
  if (element_count(shape) != size())
    throw RuntimeError(fmt::format("cannot reshape {} elements {} to {}", size(),
                                   shape_string(shape_), shape_string(shape)));
  shape_ = std::move(shape);
}

double Tensor::as_double(int64_t i) const {
  return std::visit([i](const auto& v) { return static_cast<double>(v[static_cast<size_t>(i)]); },
                    data_);
}

int64_t Tensor::as_int(int64_t i) const {
  return std::visit([i](const auto& v) { return static_cast<int64_t>(v[static_cast<size_t>(i)]); },
                    data_);
}

void Tensor::check_type(DType want) const {
  if (dtype() != want)
    throw RuntimeError(
        fmt::format("tensor of type {} used as {}", to_string(dtype()), to_string(want)));
}

void Tensor::check_size() const {
  const auto n = static_cast<size_t>(element_count(shape_));
  const size_t have = std::visit([](const auto& v) { return v.size(); }, data_);
  if (n != have)
    throw RuntimeError(
        fmt::format("shape {} needs {} elements, got {}", shape_string(shape_), n, have));
}

}  // namespace hycim::runtime
