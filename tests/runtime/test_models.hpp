// Small ONNX models built in the tests themselves (protobuf, no Python), so
// each test states the graph it runs.
#pragma once
#include <onnx/onnx_pb.h>

#include <fstream>
#include <string>
#include <vector>

namespace hycim::runtime::testing {

inline void add_input(onnx::GraphProto* g, const std::string& name, int elem,
                      std::vector<int64_t> dims, bool output = false) {
  auto* v = output ? g->add_output() : g->add_input();
  v->set_name(name);
  auto* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
}

inline void add_float_init(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> dims,
                           const std::vector<float>& v) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float x : v) t->add_float_data(x);
}

inline onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op,
                                 std::vector<std::string> in, std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op + std::to_string(g->node_size()));
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

inline onnx::ModelProto new_model(int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  m.mutable_graph()->set_name("test");
  return m;
}

inline std::string save(const onnx::ModelProto& m, const std::string& path) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  m.SerializeToOstream(&f);
  return path;
}

}  // namespace hycim::runtime::testing
