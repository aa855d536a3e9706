#include "runtime/onnx/qdq_fusion.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

// ---- The rewrite -----------------------------------------------------------

const Tensor* initializer(const Graph& g, const std::string& name) {
  auto it = g.initializers.find(name);
  return it == g.initializers.end() ? nullptr : &it->second;
}

bool is8(const Tensor& t) {
  return t.dtype() == DType::kUint8 || t.dtype() == DType::kInt8;
}

// A DequantizeLinear of the default domain, not blocked (opset 21).
const Node* producer(const std::map<std::string, const Node*>& by_output, const std::string& name) {
  auto it = by_output.find(name);
  if (it == by_output.end()) return nullptr;
  const Node& n = *it->second;
  if (n.op_type != "DequantizeLinear" || !n.domain.empty() || n.attr_int("block_size", 0) != 0)
    return nullptr;
  return &n;
}

// Scale: a float initializer; zero point: absent, or an 8-bit initializer of
// as many values. Returns how many (0 when they do not qualify).
int64_t dq_params(const Graph& g, const Node& dq) {
  const Tensor* s = initializer(g, dq.input(1));
  if (!s || s->dtype() != DType::kFloat || s->size() < 1) return 0;
  if (dq.input(2).empty()) return s->size();
  const Tensor* z = initializer(g, dq.input(2));
  return z && is8(*z) && z->size() == s->size() ? s->size() : 0;
}

// The activation's DequantizeLinear: one scale and zero point for the tensor.
bool per_tensor(const Graph& g, const Node& dq) {
  return dq_params(g, dq) == 1;
}

// A weight's DequantizeLinear: an 8-bit initializer of rank `rank`, per
// tensor or per slice of axis `channel_axis`.
bool weight(const Graph& g, const Node& dq, size_t rank, int64_t channel_axis) {
  const Tensor* w = initializer(g, dq.input(0));
  if (!w || w->rank() != rank || !is8(*w)) return false;
  const int64_t count = dq_params(g, dq);
  if (count == 1) return true;
  int64_t axis = dq.attr_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(rank);
  return axis == channel_axis && count == w->shape()[static_cast<size_t>(channel_axis)];
}

// What fuses, and into what; nullptr when `n` does not.
const char* fused_op(const Graph& g, const Node& n, const Node& da, const Node& dw) {
  if (!n.domain.empty() || !per_tensor(g, da)) return nullptr;
  if (n.op_type == "MatMul") return weight(g, dw, 2, 1) ? kQdqMatMul : nullptr;
  if (n.op_type == "Gemm")
    return weight(g, dw, 2, n.attr_int("transB", 0) != 0 ? 0 : 1) ? kQdqGemm : nullptr;
  if (n.op_type == "Conv") {
    // 1-, 2- and 3-D, any group: ConvInteger's product covers them all.
    const Tensor* w = initializer(g, dw.input(0));
    return w && w->rank() >= 3 && w->rank() <= 5 && weight(g, dw, w->rank(), 0) ? kQdqConv
                                                                                : nullptr;
  }
  return nullptr;
}

// ---- The kernels -------------------------------------------------------------

// Scales of input i (a scalar or `count` values), each times sa.
std::vector<float> product_scales(const ExecContext& ctx, size_t count, const char* what) {
  const float sa = ctx.input(1).values<float>().at(0);
  std::vector<float> s = channel_floats(ctx.input(4), count, what);
  for (float& v : s) v = sa * v;
  return s;
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
  const std::vector<float> s = product_scales(ctx, n, "B scale");
  Tensor y(DType::kFloat, acc.shape());
  const auto& av = acc.values<int32_t>();
  auto& yv = y.values<float>();
  for (size_t i = 0; i < av.size(); ++i) yv[i] = static_cast<float>(av[i]) * s[i % n];
  ctx.out[0] = std::move(y);
}

// A^T (transA = 1: K x M bytes) as the M x K rows the tiles take, transposed
// on the host: the activation is the operand that changes per run anyway.
std::vector<uint8_t> transposed_rows(std::span<const uint8_t> a, size_t k, size_t m) {
  std::vector<uint8_t> rows(a.size());
  for (size_t i = 0; i < k; ++i)
    for (size_t j = 0; j < m; ++j) rows[j * k + i] = a[i * m + j];
  return rows;
}

// Y = alpha * op(A - za) . op(B - zb) * sa * sb[col] + beta * C.
void qdq_gemm(ExecContext& ctx) {
  const Tensor &a = ctx.input(0), &b = ctx.input(3);
  if (a.rank() != 2 || b.rank() != 2) throw RuntimeError("Gemm needs 2-D A and B");
  const bool ta = ctx.node.attr_int("transA", 0) != 0;
  const bool tb = ctx.node.attr_int("transB", 0) != 0;
  const float alpha = ctx.node.attr_float("alpha", 1.0f), beta = ctx.node.attr_float("beta", 1.0f);
  const auto m = static_cast<uint32_t>(a.shape()[ta ? 1 : 0]);
  const auto k = static_cast<uint32_t>(a.shape()[ta ? 0 : 1]);
  const auto n = static_cast<uint32_t>(b.shape()[tb ? 0 : 1]);
  if (b.shape()[tb ? 1 : 0] != k)
    throw RuntimeError(fmt::format("Gemm: A {} and B {} do not multiply", shape_string(a.shape()),
                                   shape_string(b.shape())));
  std::span<const uint8_t> abytes = bytes8(a, "A");
  const std::vector<uint8_t> at = ta ? transposed_rows(abytes, k, m) : std::vector<uint8_t>();
  if (ta) abytes = at;
  const auto bbytes = bytes8(b, "B");
  const ZeroPoints za = zero_points(ctx, 2, 1, "A zero point");
  const ZeroPoints zb = zero_points(ctx, 5, n, "B zero point");
  // op(B) read through strides: B^T needs no copy.
  const StridedB<uint8_t> sb{bbytes.data(), k, n, tb ? 1 : size_t{n}, tb ? size_t{k} : 1};
  std::vector<int32_t> acc(size_t{m} * n);
  integer_product(ctx, abytes, m, is_signed8(a), sb, is_signed8(b), za, zb,
                  {ctx.weight_key(), ctx.in_const[3]}, acc);
  const std::vector<float> s = product_scales(ctx, n, "B scale");
  Tensor y(DType::kFloat, {m, n});
  auto& yv = y.values<float>();
  for (size_t i = 0; i < acc.size(); ++i)
    yv[i] = static_cast<float>(acc[i]) * s[i % n] * alpha;  // as the float Gemm: product * alpha
  if (ctx.has_input(6) && beta != 0.0f) add_gemm_c(ctx.input(6), beta, m, n, yv);
  ctx.out[0] = std::move(y);
}

// ConvInteger's product (im2col with the input zero point in the padding),
// then Y[.., c, ..] = acc * sx * sw[c] + bias[c].
void qdq_conv(ExecContext& ctx) {
  ExecContext ints{ctx.node,   ctx.opset,   ctx.in,     ctx.in_const,
                   {Tensor()}, ctx.backend, ctx.ranges, ctx.observed};
  // ConvInteger's operand order: x, w, x_zero_point, w_zero_point.
  ints.in = {ctx.in[0], ctx.in[3], ctx.in[2], ctx.in[5]};
  ints.in_const = {ctx.in_const[0], ctx.in_const[3], ctx.in_const[2], ctx.in_const[5]};
  kernel_table().at("ConvInteger")(ints);
  const Tensor& acc = ints.out[0];
  const Shape& shape = acc.shape();  // N, M, spatial...
  const auto channels = static_cast<size_t>(shape.at(1));
  const auto plane = static_cast<size_t>(acc.size() / std::max<int64_t>(shape[0] * shape[1], 1));
  const std::vector<float> s = product_scales(ctx, channels, "w scale");
  const float* bias = nullptr;
  if (ctx.has_input(6)) {
    const auto& bv = ctx.input(6).values<float>();
    if (bv.size() != channels)
      throw RuntimeError(fmt::format("bias has {} values; expected {}", bv.size(), channels));
    bias = bv.data();
  }
  Tensor y(DType::kFloat, shape);
  const auto& av = acc.values<int32_t>();
  auto& yv = y.values<float>();
  for (size_t i = 0; i < av.size(); ++i) {
    const size_t c = (i / plane) % channels;
    yv[i] = static_cast<float>(av[i]) * s[c] + (bias ? bias[c] : 0.0f);
  }
  ctx.out[0] = std::move(y);
}

// PyTorch exports Linear on a 3-D input as MatMul(x, Transpose(W)), with the
// fake-quantized W behind a DequantizeLinear. A Transpose of a 2-D 8-bit
// weight's DequantizeLinear becomes a DequantizeLinear of the transposed
// weight (its channel axis swapped), so the MatMul fuses like any other.
// Adds the old DequantizeLinear nodes to `bypassed`; returns how many were
// rewritten.
int transpose_dequantized_weights(Graph& g, std::set<size_t>& bypassed) {
  std::map<std::string, const Node*> by_output;
  for (const Node& n : g.nodes)
    for (const auto& o : n.outputs) by_output[o] = &n;
  int rewritten = 0;
  for (Node& t : g.nodes) {
    if (t.op_type != "Transpose" || !t.domain.empty() || t.inputs.size() != 1) continue;
    const Node* dq = producer(by_output, t.inputs[0]);
    if (!dq) continue;
    const Tensor* w = initializer(g, dq->input(0));
    if (!w || w->rank() != 2 || !is8(*w) || dq_params(g, *dq) == 0) continue;
    if (t.has_attr("perm") && t.attrs.at("perm").ints != std::vector<int64_t>{1, 0}) continue;
    const auto rows = static_cast<size_t>(w->shape()[0]), cols = static_cast<size_t>(w->shape()[1]);
    Tensor wt(w->dtype(), {w->shape()[1], w->shape()[0]});
    const auto transpose = [&](const auto& from, auto& to) {
      for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) to[c * rows + r] = from[r * cols + c];
    };
    if (w->dtype() == DType::kInt8)
      transpose(w->values<int8_t>(), wt.values<int8_t>());
    else
      transpose(w->values<uint8_t>(), wt.values<uint8_t>());
    std::string name = dq->input(0) + "_transposed";
    while (g.initializers.count(name)) name += "_";
    g.initializers[name] = std::move(wt);
    int64_t axis = dq->attr_int("axis", 1);
    if (axis < 0) axis += 2;
    t.op_type = "DequantizeLinear";
    t.inputs = {name, dq->input(1), dq->input(2)};
    t.attrs.clear();
    if (dq_params(g, *dq) > 1) t.attrs["axis"].i = 1 - axis;
    bypassed.insert(dq->index);
    ++rewritten;
  }
  return rewritten;
}

}  // namespace

void add_qdq_kernels(std::map<std::string, KernelFn>& t) {
  t[kQdqMatMul] = qdq_matmul;
  t[kQdqGemm] = qdq_gemm;
  t[kQdqConv] = qdq_conv;
}

QdqFusion fuse_qdq(Graph& g) {
  QdqFusion f;
  std::set<size_t> bypassed;  // indices of DequantizeLinear nodes a fused node no longer reads
  f.transposed = transpose_dequantized_weights(g, bypassed);
  std::map<std::string, const Node*> by_output;
  for (const Node& n : g.nodes)
    for (const auto& o : n.outputs) by_output[o] = &n;
  for (Node& n : g.nodes) {
    const Node* da = producer(by_output, n.input(0));
    const Node* dw = producer(by_output, n.input(1));
    if (!da || !dw) continue;
    const char* op = fused_op(g, n, *da, *dw);
    if (!op) continue;
    std::vector<std::string> in{da->input(0), da->input(1), da->input(2),
                                dw->input(0), dw->input(1), dw->input(2)};
    if (op != kQdqMatMul) in.push_back(n.input(2));  // C / bias, as a float tensor
    (op == kQdqMatMul ? f.matmul : op == kQdqGemm ? f.gemm : f.conv)++;
    n.op_type = op;
    n.inputs = std::move(in);
    bypassed.insert(da->index);
    bypassed.insert(dw->index);
  }
  if (bypassed.empty()) return f;
  std::set<std::string> used;
  for (const Node& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (const ValueInfo& v : g.outputs) used.insert(v.name);
  const auto dead = [&](const Node& n) {
    return n.op_type == "DequantizeLinear" && bypassed.count(n.index) &&
           std::none_of(n.outputs.begin(), n.outputs.end(),
                        [&](const std::string& o) { return used.count(o) != 0; });
  };
  f.removed_dq = static_cast<int>(std::erase_if(g.nodes, dead));
  return f;
}

int fuse_qdq_matmuls(Graph& g) {
  return fuse_qdq(g).fused();
}

}  // namespace hycim::runtime
