#include "runtime/onnx/qdq_fusion.hpp"

#include <map>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

const Node* producer(const std::map<std::string, const Node*>& by_output, const std::string& name) {
  auto it = by_output.find(name);
  return it == by_output.end() || it->second->op_type != "DequantizeLinear" ? nullptr : it->second;
}

const Tensor* initializer(const Graph& g, const std::string& name) {
  auto it = g.initializers.find(name);
  return it == g.initializers.end() ? nullptr : &it->second;
}

// A per-tensor DequantizeLinear of 8-bit data: its scale is one constant value.
bool per_tensor(const Graph& g, const Node& dq) {
  const Tensor* s = initializer(g, dq.input(1));
  return s && s->size() == 1;
}

// B's DequantizeLinear: a 2-D 8-bit initializer, per tensor or per column (axis 1).
bool per_column(const Graph& g, const Node& dq) {
  const Tensor* b = initializer(g, dq.input(0));
  const Tensor* s = initializer(g, dq.input(1));
  if (!b || !s || b->rank() != 2 || (b->dtype() != DType::kUint8 && b->dtype() != DType::kInt8))
    return false;
  const int64_t axis = dq.attr_int("axis", 1);
  return s->size() == 1 || ((axis == 1 || axis == -1) && s->size() == b->shape()[1]);
}

void qdq_matmul(ExecContext& ctx) {
  ExecContext ints{ctx.node,   ctx.opset,   ctx.in,     ctx.in_const,
                   {Tensor()}, ctx.backend, ctx.ranges, ctx.observed};
  // MatMulInteger's operand order: a, b, a_zero_point, b_zero_point.
  ints.in = {ctx.in[0], ctx.in[3], ctx.in[2], ctx.in[5]};
  ints.in_const = {ctx.in_const[0], ctx.in_const[3], ctx.in_const[2], ctx.in_const[5]};
  kernel_table().at("MatMulInteger")(ints);
  const Tensor& acc = ints.out[0];
  const auto n = static_cast<size_t>(acc.shape().back());
  const float sa = ctx.input(1).values<float>().at(0);
  const std::vector<float> sb = channel_floats(ctx.input(4), n, "B scale");
  Tensor y(DType::kFloat, acc.shape());
  const auto& av = acc.values<int32_t>();
  auto& yv = y.values<float>();
  for (size_t i = 0; i < av.size(); ++i) yv[i] = static_cast<float>(av[i]) * (sa * sb[i % n]);
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_qdq_kernels(std::map<std::string, KernelFn>& t) {
  t[kQdqMatMul] = qdq_matmul;
}

int fuse_qdq_matmuls(Graph& g) {
  std::map<std::string, const Node*> by_output;
  for (const Node& n : g.nodes)
    for (const auto& o : n.outputs) by_output[o] = &n;
  int fused = 0;
  for (Node& n : g.nodes) {
    if (n.op_type != "MatMul" || !n.domain.empty()) continue;
    const Node* da = producer(by_output, n.input(0));
    const Node* db = producer(by_output, n.input(1));
    if (!da || !db || !per_tensor(g, *da) || !per_column(g, *db)) continue;
    n.op_type = kQdqMatMul;
    n.inputs = {da->input(0), da->input(1), da->input(2), db->input(0), db->input(1), db->input(2)};
    ++fused;
  }
  return fused;
}

}  // namespace hycim::runtime
