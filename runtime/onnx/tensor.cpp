#include "runtime/onnx/tensor.hpp"

#include <fmt/format.h>

#include <atomic>
#include <iterator>

namespace hycim::runtime {

namespace {

struct TypeName {
  DType type;
  int32_t onnx;  // TensorProto.DataType
  const char* name;
};

constexpr TypeName kTypes[] = {
    {DType::kFloat, 1, "float"},    {DType::kUint8, 2, "uint8"},    {DType::kInt8, 3, "int8"},
    {DType::kUint16, 4, "uint16"},  {DType::kInt16, 5, "int16"},    {DType::kInt32, 6, "int32"},
    {DType::kInt64, 7, "int64"},    {DType::kBool, 9, "bool"},      {DType::kDouble, 11, "double"},
    {DType::kUint32, 12, "uint32"}, {DType::kUint64, 13, "uint64"},
};

// ONNX's names of the codes hycim does not run, for the refusal.
const char* unsupported_onnx_name(int64_t code) {
  switch (code) {
    case 8:
      return "STRING";
    case 10:
      return "FLOAT16";
    case 14:
      return "COMPLEX64";
    case 15:
      return "COMPLEX128";
    case 16:
      return "BFLOAT16";
    default:
      return "UNDEFINED";
  }
}

}  // namespace

const char* to_string(DType t) {
  for (const TypeName& n : kTypes)
    if (n.type == t) return n.name;
  return "unknown";
}

DType dtype_from_onnx_code(int64_t code, const std::string& what) {
  for (const TypeName& n : kTypes)
    if (n.onnx == code) return n.type;
  throw RuntimeError(fmt::format(
      "{} has element type {} ({}); hycim runs float, double, bool and 8- to 64-bit integers", what,
      unsupported_onnx_name(code), code));
}

int32_t onnx_code(DType t) {
  for (const TypeName& n : kTypes)
    if (n.type == t) return n.onnx;
  return 0;
}

namespace {
std::atomic<int64_t> g_max_tensor_elements{int64_t{1} << 28};
}  // namespace

int64_t max_tensor_elements() {
  return g_max_tensor_elements.load(std::memory_order_relaxed);
}

void set_max_tensor_elements(int64_t n) {
  g_max_tensor_elements.store(n, std::memory_order_relaxed);
}

int64_t element_count(const Shape& shape) {
  bool empty = false;
  for (int64_t d : shape) {
    if (d < 0)
      throw RuntimeError(fmt::format("negative dimension in shape {}", shape_string(shape)));
    empty = empty || d == 0;
  }
  if (empty) return 0;
  const int64_t limit = max_tensor_elements();
  int64_t n = 1;
  for (int64_t d : shape) {
    if (n > limit / d) {
      double all = 1;  // the message's count: it may not fit int64_t
      for (int64_t e : shape) all *= static_cast<double>(e);
      throw RuntimeError(
          fmt::format("shape {} has {:.0f} elements, more than the {} one tensor may have",
                      shape_string(shape), all, limit));
    }
    n *= d;
  }
  return n;
}

uint64_t bytes_of(DType t, int64_t n) {
  uint64_t size = 1;
  switch (t) {
    case DType::kFloat:
    case DType::kInt32:
    case DType::kUint32:
      size = 4;
      break;
    case DType::kInt64:
    case DType::kDouble:
    case DType::kUint64:
      size = 8;
      break;
    case DType::kInt16:
    case DType::kUint16:
      size = 2;
      break;
    case DType::kUint8:
    case DType::kInt8:
    case DType::kBool:
      break;
  }
  return static_cast<uint64_t>(n) * size;
}

std::string byte_string(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes) / 1024;
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", v, kUnits[u]);
}

namespace {
thread_local AllocationCheck* t_allocation_check = nullptr;
}  // namespace

AllocationCheck::AllocationCheck(std::function<void(uint64_t)> check)
    : check_(std::move(check)), previous_(t_allocation_check) {
  t_allocation_check = this;
}

AllocationCheck::~AllocationCheck() {
  t_allocation_check = previous_;
}

void check_allocation(uint64_t bytes) {
  if (t_allocation_check && t_allocation_check->check_) t_allocation_check->check_(bytes);
}

std::string shape_string(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

Tensor::Tensor(DType dtype, Shape shape) : shape_(std::move(shape)) {
  const auto n = static_cast<size_t>(element_count(shape_));
  check_allocation(bytes_of(dtype, static_cast<int64_t>(n)));
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
    case DType::kBool:
      data_ = std::vector<bool>(n);
      break;
    case DType::kDouble:
      data_ = std::vector<double>(n);
      break;
    case DType::kInt16:
      data_ = std::vector<int16_t>(n);
      break;
    case DType::kUint16:
      data_ = std::vector<uint16_t>(n);
      break;
    case DType::kUint32:
      data_ = std::vector<uint32_t>(n);
      break;
    case DType::kUint64:
      data_ = std::vector<uint64_t>(n);
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
  // The values are already made; counting them still stops a run that holds too much.
  check_allocation(bytes());
}

}  // namespace hycim::runtime
