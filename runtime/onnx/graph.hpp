// The runtime's own view of an ONNX graph: nodes in topological order, their
// attributes, constant tensors and the graph's inputs and outputs. Built once
// by load_model (onnx_loader.hpp); nothing below this header sees protobuf.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/onnx/tensor.hpp"

namespace hycim::runtime {

struct Attribute {
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::shared_ptr<const Tensor> t;
};

struct Node {
  size_t index = 0;
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;  // "" marks an omitted optional input
  std::map<std::string, Attribute> attrs;

  // "node 3 'fc1' (Gemm)": how every error message names a node.
  std::string label() const;
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key, std::vector<int64_t> fallback) const;
  // Input i when present (not omitted), else "".
  const std::string& input(size_t i) const;
};

struct ValueInfo {
  std::string name;
  DType dtype = DType::kFloat;
  Shape dims;  // -1 for a symbolic or unknown dimension
};

struct Graph {
  std::string source;  // file name, for messages
  int64_t opset = 0;
  std::vector<Node> nodes;
  std::map<std::string, Tensor> initializers;
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
  // Types and dimensions of the values in between, where shape inference
  // found them (graph passes fold Shape of statically shaped values).
  std::map<std::string, ValueInfo> values;
  std::map<std::string, std::string> metadata;  // model metadata_props
};

}  // namespace hycim::runtime
