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

template <typename T, typename Field>
std::vector<T> typed_values(const onnx::TensorProto& p, size_t n, const Field& field,
                            const std::string& what) {
  std::vector<T> v(n);
  if (p.has_raw_data()) {
    // bool is one byte per element in raw_data; vector<bool> is packed.
    constexpr size_t width = std::is_same_v<T, bool> ? 1 : sizeof(T);
    if (p.raw_data().size() != n * width)
      throw RuntimeError(fmt::format("{}: raw_data has {} bytes, shape needs {}", what,
                                     p.raw_data().size(), n * width));
    if constexpr (std::is_same_v<T, bool>)
      for (size_t i = 0; i < n; ++i) v[i] = p.raw_data()[i] != 0;
    else if (n)
      std::memcpy(v.data(), p.raw_data().data(), n * sizeof(T));
    return v;
  }
  if (static_cast<size_t>(field.size()) != n)
    throw RuntimeError(fmt::format("{}: {} values, shape needs {}", what, field.size(), n));
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(field[static_cast<int>(i)]);
  return v;
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& what) {
  if (p.data_location() == onnx::TensorProto::EXTERNAL)
    throw RuntimeError(fmt::format("{}: external tensor data is not supported", what));
  Shape shape(p.dims().begin(), p.dims().end());
  const auto n = static_cast<size_t>(element_count(shape));
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

// `source` names the bytes in messages (a file name, or "<bytes>").
onnx::ModelProto parse_checked_bytes(const std::string& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw RuntimeError(
        fmt::format("{}: not an ONNX model (protobuf parse failed; truncated file?)", source));
  try {
    onnx::checker::check_model(model);
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
