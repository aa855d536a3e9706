#include "runtime/onnx/onnx_io.hpp"

#include <fmt/format.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("{}: cannot open", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The data is checked against the shape before anything is allocated: the
// dimensions are a few bytes of the file, the data all of it.
template <typename T, typename Field>
std::vector<T> typed_values(const onnx::TensorProto& p, size_t n, const Field& field,
                            const std::string& what) {
  if (p.has_raw_data()) {
    // bool is one byte per element in raw_data; vector<bool> is packed.
    constexpr size_t width = std::is_same_v<T, bool> ? 1 : sizeof(T);
    if (p.raw_data().size() != n * width)
      throw RuntimeError(fmt::format("{}: raw_data has {} bytes, shape needs {}", what,
                                     p.raw_data().size(), n * width));
    std::vector<T> v(n);
    if constexpr (std::is_same_v<T, bool>)
      for (size_t i = 0; i < n; ++i) v[i] = p.raw_data()[i] != 0;
    else if (n)
      std::memcpy(v.data(), p.raw_data().data(), n * sizeof(T));
    return v;
  }
  if (static_cast<size_t>(field.size()) != n)
    throw RuntimeError(fmt::format("{}: {} values, shape needs {}", what, field.size(), n));
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(field[static_cast<int>(i)]);
  return v;
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& what) {
  if (p.data_location() == onnx::TensorProto::EXTERNAL)
    throw RuntimeError(fmt::format("{}: external tensor data is not supported", what));
  Shape shape(p.dims().begin(), p.dims().end());
  size_t n = 0;
  try {
    n = static_cast<size_t>(element_count(shape));
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format("{}: {}", what, e.what()));
  }
  switch (dtype_from_onnx_code(p.data_type(), what)) {
    case DType::kFloat:
      return Tensor(shape, typed_values<float>(p, n, p.float_data(), what));
    case DType::kUint8:
      return Tensor(shape, typed_values<uint8_t>(p, n, p.int32_data(), what));
    case DType::kInt8:
      return Tensor(shape, typed_values<int8_t>(p, n, p.int32_data(), what));
    case DType::kInt32:
      return Tensor(shape, typed_values<int32_t>(p, n, p.int32_data(), what));
    case DType::kInt64:
      return Tensor(shape, typed_values<int64_t>(p, n, p.int64_data(), what));
    case DType::kBool:
      return Tensor(shape, typed_values<bool>(p, n, p.int32_data(), what));
    case DType::kDouble:
      return Tensor(shape, typed_values<double>(p, n, p.double_data(), what));
    case DType::kInt16:
      return Tensor(shape, typed_values<int16_t>(p, n, p.int32_data(), what));
    case DType::kUint16:
      return Tensor(shape, typed_values<uint16_t>(p, n, p.int32_data(), what));
    case DType::kUint32:
      return Tensor(shape, typed_values<uint32_t>(p, n, p.uint64_data(), what));
    case DType::kUint64:
      return Tensor(shape, typed_values<uint64_t>(p, n, p.uint64_data(), what));
  }
  throw RuntimeError(what + ": unreachable element type");
}

Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& what) {
  Attribute out;
  out.i = a.i();
  out.f = a.f();
  out.s = a.s();
  out.ints.assign(a.ints().begin(), a.ints().end());
  out.floats.assign(a.floats().begin(), a.floats().end());
  if (a.has_t())
    out.t = std::make_shared<Tensor>(tensor_from_proto(a.t(), what + " attribute " + a.name()));
  return out;
}

ValueInfo value_info(const onnx::ValueInfoProto& v, const std::string& source) {
  ValueInfo info{v.name(), DType::kFloat, {}};
  const auto& type = v.type();
  if (!type.has_tensor_type())
    throw RuntimeError(fmt::format("{}: value '{}' is not a tensor", source, v.name()));
  info.dtype = dtype_from_onnx_code(type.tensor_type().elem_type(),
                                    fmt::format("{}: value '{}'", source, v.name()));
  for (const auto& d : type.tensor_type().shape().dim())
    info.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return info;
}

// Bytes per element of raw_data for an ONNX element type; 0 for strings and
// codes ONNX does not define.
size_t raw_element_bytes(int32_t code) {
  switch (code) {
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::BOOL:
      return 1;
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      return 2;
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
      return 4;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::COMPLEX64:
      return 8;
    case onnx::TensorProto::COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

// ONNX's shape inference (libonnx 1.12, ParseData) copies as many elements
// out of a constant's raw_data as its dimensions say, without looking at its
// size: every tensor the model holds is checked against its dimensions first.
void check_raw_data(const onnx::TensorProto& t, const std::string& what) {
  if (!t.has_raw_data()) return;
  const size_t width = raw_element_bytes(t.data_type());
  uint64_t n = 1;
  bool fits = width != 0;
  for (int64_t d : t.dims()) fits = fits && d >= 0 && !__builtin_mul_overflow(n, uint64_t(d), &n);
  if (!fits || __builtin_mul_overflow(n, uint64_t(width), &n) || n != t.raw_data().size())
    throw RuntimeError(
        fmt::format("{}: raw_data has {} bytes, not what its type {} and dimensions [{}] need",
                    what, t.raw_data().size(), t.data_type(), fmt::join(t.dims(), ",")));
}

void check_constant_data(const onnx::GraphProto& g, const std::string& source) {
  for (const auto& t : g.initializer())
    check_raw_data(t, fmt::format("{}: initializer '{}'", source, t.name()));
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto& a : g.node(i).attribute()) {
      const std::string what = fmt::format("{}: node {} '{}' ({}) attribute {}", source, i,
                                           g.node(i).name(), g.node(i).op_type(), a.name());
      if (a.has_t()) check_raw_data(a.t(), what);
      for (const auto& t : a.tensors()) check_raw_data(t, what);
      if (a.has_g()) check_constant_data(a.g(), source);
      for (const auto& sub : a.graphs()) check_constant_data(sub, source);
    }
}

// The rank of `name` as the model declares it (an initializer, a graph input
// or a value_info entry), seen through nodes that keep their input's shape
// (a weight's DequantizeLinear); -1 when not declared.
int declared_rank(const onnx::GraphProto& g, const std::string& name, int depth = 0) {
  for (const auto& t : g.initializer())
    if (t.name() == name) return t.dims_size();
  for (const auto* list : {&g.input(), &g.value_info()})
    for (const auto& v : *list)
      if (v.name() == name && v.type().has_tensor_type() && v.type().tensor_type().has_shape())
        return v.type().tensor_type().shape().dim_size();
  if (depth > 8) return -1;
  for (const auto& n : g.node())
    if (n.output_size() > 0 && n.output(0) == name && n.input_size() > 0 &&
        (n.op_type() == "DequantizeLinear" || n.op_type() == "Identity" || n.op_type() == "Cast"))
      return declared_rank(g, n.input(0), depth + 1);
  return -1;
}

// ONNX's convolution shape inference (libonnx 1.12, convPoolShapeInference)
// reads past its per-axis vectors when the weight's rank differs from the
// input's, so such a node is refused before inference runs: where both
// ranks are declared, they must agree.
void check_conv_ranks(const onnx::GraphProto& g, const std::string& source) {
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    const std::string& op = n.op_type();
    int x = 0, w = 1;
    if (op == "QLinearConv")
      w = 3;
    else if (op != "Conv" && op != "ConvInteger" && op != "ConvTranspose")
      continue;
    if (n.input_size() <= w) continue;
    const int xr = declared_rank(g, n.input(x)), wr = declared_rank(g, n.input(w));
    if (xr >= 0 && wr >= 0 && xr != wr)
      throw RuntimeError(
          fmt::format("{}: node {} '{}' ({}): weight '{}' has rank {}, its input '{}' rank {} "
                      "(they must agree)",
                      source, i, n.name(), op, n.input(w), wr, n.input(x), xr));
  }
}

// `source` names the bytes in messages (a file name, or "<bytes>").
onnx::ModelProto parse_checked_bytes(const std::string& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw RuntimeError(
        fmt::format("{}: not an ONNX model (protobuf parse failed; truncated file?)", source));
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: ONNX checker: {}", source, e.what()));
  }
  check_constant_data(model.graph(), source);
  check_conv_ranks(model.graph(), source);
  try {
    onnx::shape_inference::InferShapes(model);
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: ONNX checker: {}", source, e.what()));
  }
  return model;
}

onnx::ModelProto parse_checked(const std::string& path) {
  return parse_checked_bytes(read_file(path), path);
}

void set_metadata(onnx::ModelProto& model, const std::map<std::string, std::string>& metadata) {
  for (const auto& [key, value] : metadata) {
    onnx::StringStringEntryProto* entry = nullptr;
    for (auto& kv : *model.mutable_metadata_props())
      if (kv.key() == key) entry = &kv;
    if (!entry) entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
}

Node node_from_proto(const onnx::NodeProto& n, size_t index, const std::string& source) {
  Node node;
  node.index = index;
  node.name = n.name();
  node.op_type = n.op_type();
  node.domain = n.domain();
  node.inputs.assign(n.input().begin(), n.input().end());
  node.outputs.assign(n.output().begin(), n.output().end());
  for (const auto& a : n.attribute())
    node.attrs[a.name()] = attribute_from_proto(a, fmt::format("{}: {}", source, node.label()));
  return node;
}

Graph graph_of(const onnx::ModelProto& model, const std::string& path) {
  Graph g;
  g.source = path;
  for (const auto& op : model.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") g.opset = op.version();
  for (const auto& kv : model.metadata_props()) g.metadata[kv.key()] = kv.value();
  const auto& graph = model.graph();
  for (const auto& t : graph.initializer())
    g.initializers.emplace(
        t.name(), tensor_from_proto(t, fmt::format("{}: initializer '{}'", path, t.name())));
  for (const auto& v : graph.input())
    if (!g.initializers.count(v.name())) g.inputs.push_back(value_info(v, path));
  for (const auto& v : graph.output()) g.outputs.push_back(value_info(v, path));
  for (const auto& v : graph.value_info()) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) continue;
    try {
      g.values.emplace(v.name(), value_info(v, path));
    } catch (const RuntimeError&) {
      // An element type hycim does not run: the node making it is refused.
    }
  }
  for (const auto& v : g.inputs) g.values.emplace(v.name, v);
  for (int i = 0; i < graph.node_size(); ++i)
    g.nodes.push_back(node_from_proto(graph.node(i), static_cast<size_t>(i), path));
  return g;
}

}  // namespace

Graph load_model(const std::string& path) {
  return graph_of(parse_checked(path), path);
}

Graph load_model_bytes(const std::string& bytes, const std::string& source) {
  return graph_of(parse_checked_bytes(bytes, source), source);
}

void save_model_with_metadata(const std::string& path, const std::string& out_path,
                              const std::map<std::string, std::string>& metadata) {
  onnx::ModelProto model = parse_checked(path);
  set_metadata(model, metadata);
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out) || !out.flush())
    throw RuntimeError(fmt::format("{}: cannot write", out_path));
}

std::string model_bytes_with_metadata(const std::string& bytes, const std::string& source,
                                      const std::map<std::string, std::string>& metadata) {
  onnx::ModelProto model = parse_checked_bytes(bytes, source);
  set_metadata(model, metadata);
  std::string out;
  if (!model.SerializeToString(&out))
    throw RuntimeError(fmt::format("{}: cannot serialize the model", source));
  return out;
}

Tensor read_tensor_pb(const std::string& path, std::string* name) {
  onnx::TensorProto p;
  const std::string bytes = read_file(path);
  if (!p.ParseFromString(bytes)) throw RuntimeError(fmt::format("{}: not a TensorProto", path));
  if (name) *name = p.name();
  return tensor_from_proto(p, path);
}

void write_tensor_pb(const std::string& path, const Tensor& t, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(onnx_code(t.dtype()));
  for (int64_t d : t.shape()) p.add_dims(d);
  std::string raw;
  if (t.dtype() == DType::kBool) {
    for (bool b : t.values<bool>()) raw.push_back(b ? 1 : 0);
  } else {
    with_type(t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, bool>) {
        const auto& v = t.values<T>();
        raw.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
      }
    });
  }
  p.set_raw_data(raw);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !p.SerializeToOstream(&out) || !out.flush())
    throw RuntimeError(fmt::format("{}: cannot write", path));
}

}  // namespace hycim::runtime
