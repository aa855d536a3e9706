#include "runtime/onnx/npy.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

struct Descr {
  const char* text;
  DType dtype;
  size_t bytes;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::kFloat, 4},  {"|u1", DType::kUint8, 1}, {"|i1", DType::kInt8, 1},
    {"<i4", DType::kInt32, 4},  {"<i8", DType::kInt64, 8}, {"|b1", DType::kBool, 1},
    {"<f8", DType::kDouble, 8}, {"<i2", DType::kInt16, 2}, {"<u2", DType::kUint16, 2},
    {"<u4", DType::kUint32, 4}, {"<u8", DType::kUint64, 8}};

// bool is one byte per element on disk; vector<bool> is packed.
template <typename T>
Tensor from_bytes(Shape shape, const std::string& body, size_t offset) {
  std::vector<T> v(static_cast<size_t>(element_count(shape)));
  if constexpr (std::is_same_v<T, bool>)
    for (size_t i = 0; i < v.size(); ++i) v[i] = body[offset + i] != 0;
  else if (!v.empty())
    std::memcpy(v.data(), body.data() + offset, v.size() * sizeof(T));
  return Tensor(std::move(shape), std::move(v));
}

template <typename T>
void append_bytes(std::string& out, const Tensor& t) {
  const auto& v = t.values<T>();
  if constexpr (std::is_same_v<T, bool>)
    for (bool b : v) out.push_back(b ? 1 : 0);
  else
    out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("{}: cannot open", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string body = ss.str();
  if (body.size() < 10 || body.compare(0, 6, "\x93NUMPY") != 0)
    throw RuntimeError(fmt::format("{}: not a .npy file", path));
  const auto major = static_cast<uint8_t>(body[6]);
  const size_t len_bytes = major == 1 ? 2 : 4;
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i)
    header_len |= size_t{static_cast<uint8_t>(body[8 + i])} << (8 * i);
  const size_t data_at = 8 + len_bytes + header_len;
  if (body.size() < data_at) throw RuntimeError(fmt::format("{}: truncated header", path));
  const std::string header = body.substr(8 + len_bytes, header_len);
  // The header is a Python dict literal; std::regex is avoided (GCC 12 warns
  // inside it under -fsanitize), the three keys are found by hand.
  auto value_of = [&](const char* key) {
    const size_t at = header.find(key);
    if (at == std::string::npos) throw RuntimeError(fmt::format("{}: header has no {}", path, key));
    return header.substr(at + std::strlen(key));
  };
  const std::string d = value_of("'descr':");
  const size_t q0 = d.find('\''), q1 = d.find('\'', q0 + 1);
  if (q0 == std::string::npos || q1 == std::string::npos)
    throw RuntimeError(fmt::format("{}: bad descr", path));
  const std::string descr = d.substr(q0 + 1, q1 - q0 - 1);
  if (value_of("'fortran_order':").find("True") < value_of("'fortran_order':").find(','))
    throw RuntimeError(fmt::format("{}: Fortran-order arrays are not supported", path));
  const std::string sh = value_of("'shape':");
  const size_t p0 = sh.find('('), p1 = sh.find(')');
  if (p0 == std::string::npos || p1 == std::string::npos || p1 < p0)
    throw RuntimeError(fmt::format("{}: bad shape", path));
  Shape shape;
  std::istringstream dims(sh.substr(p0 + 1, p1 - p0 - 1));
  for (std::string item; std::getline(dims, item, ',');) {
    const size_t first = item.find_first_not_of(' ');
    if (first == std::string::npos) continue;  // the empty item after "(3,)"
    const size_t last = item.find_last_not_of(' ');
    // A dimension is a whole number >= 0 written in decimal: std::stoll
    // would throw its own exception on anything else, or take "-3" or "3x".
    int64_t dim = 0;
    const char* begin = item.data() + first;
    const char* end = item.data() + last + 1;
    const auto [ptr, ec] = std::from_chars(begin, end, dim);
    if (ec != std::errc() || ptr != end || dim < 0)
      throw RuntimeError(fmt::format("{}: shape has dimension '{}', not a whole number >= 0", path,
                                     std::string(begin, end)));
    shape.push_back(dim);
  }
  for (const Descr& d : kDescrs) {
    if (descr != d.text) continue;
    if (body.size() - data_at != static_cast<size_t>(element_count(shape)) * d.bytes)
      throw RuntimeError(fmt::format("{}: {} data bytes for shape {} of {}", path,
                                     body.size() - data_at, shape_string(shape), descr));
    return with_type(d.dtype,
                     [&](auto tag) { return from_bytes<decltype(tag)>(shape, body, data_at); });
  }
  throw RuntimeError(fmt::format(
      "{}: element type '{}' is not supported (float32/64, bool, 8- to 64-bit integers)", path,
      descr));
}

void write_npy(const std::string& path, const Tensor& t) {
  const Descr* d = nullptr;
  for (const Descr& c : kDescrs)
    if (c.dtype == t.dtype()) d = &c;
  std::string dims;
  for (int64_t x : t.shape()) dims += std::to_string(x) + ",";
  if (t.rank() > 1) dims.pop_back();
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", d->text, dims);
  header.append(64 - (10 + header.size() + 1) % 64, ' ');  // data starts 64-byte aligned
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  with_type(t.dtype(), [&](auto tag) { append_bytes<decltype(tag)>(out, t); });
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f || !f.write(out.data(), static_cast<std::streamsize>(out.size())) || !f.flush())
    throw RuntimeError(fmt::format("{}: cannot write", path));
}

Tensor read_tensor_file(const std::string& path, std::string* name) {
  if (ends_with(path, ".npy")) return read_npy(path);
  if (ends_with(path, ".pb")) return read_tensor_pb(path, name);
  throw RuntimeError(fmt::format("{}: expected a .npy or .pb (TensorProto) file", path));
}

void write_tensor_file(const std::string& path, const Tensor& t, const std::string& name) {
  if (ends_with(path, ".npy")) return write_npy(path, t);
  if (ends_with(path, ".pb")) return write_tensor_pb(path, t, name);
  throw RuntimeError(fmt::format("{}: expected a .npy or .pb (TensorProto) file", path));
}

}  // namespace hycim::runtime
