// MatMul, Gemm, MatMulInteger, QLinearMatMul: shapes and broadcasting here,
// the product itself in matmul_core.
#include <fmt/format.h>

#include <cmath>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

// numpy-style matmul: A [..., M, K] (or [K]), B [..., K, N]; batch dims broadcast.
struct MatMulDims {
  Shape out_shape;
  uint32_t m = 0, k = 0, n = 0;
  std::vector<size_t> a_mat, b_mat;  // per output matrix: which A / B matrix
  bool b_batched = false;
};

size_t broadcast_source(size_t out_index, const Shape& out_batch, const Shape& batch) {
  size_t src = 0, stride = 1, rest = out_index;
  for (size_t d = out_batch.size(); d-- > 0;) {
    const size_t coord = rest % static_cast<size_t>(out_batch[d]);
    rest /= static_cast<size_t>(out_batch[d]);
    const size_t off = out_batch.size() - batch.size();
    if (d < off) continue;
    const auto dim = static_cast<size_t>(batch[d - off]);
    src += (dim == 1 ? 0 : coord) * stride;
    stride *= dim;
  }
  return src;
}

MatMulDims matmul_dims(Shape a, const Shape& b) {
  if (b.size() < 2) throw RuntimeError("second operand must have rank 2 or more");
  const bool a_vector = a.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (a.size() < 2) throw RuntimeError("first operand must have rank 1 or more");
  MatMulDims d;
  d.m = static_cast<uint32_t>(a[a.size() - 2]);
  d.k = static_cast<uint32_t>(a.back());
  d.n = static_cast<uint32_t>(b.back());
  if (b[b.size() - 2] != d.k)
    throw RuntimeError(
        fmt::format("inner dimensions differ: {} x {}", shape_string(a), shape_string(b)));
  const Shape ab(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  Shape out(std::max(ab.size(), bb.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t ia = i + ab.size() - out.size(), ib = i + bb.size() - out.size();
    const int64_t da = i + ab.size() >= out.size() ? ab[ia] : 1;
    const int64_t db = i + bb.size() >= out.size() ? bb[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw RuntimeError(fmt::format("batch dimensions do not broadcast: {} x {}", shape_string(a),
                                     shape_string(b)));
    out[i] = std::max(da, db);
  }
  for (size_t i = 0; i < static_cast<size_t>(element_count(out)); ++i) {
    d.a_mat.push_back(broadcast_source(i, out, ab));
    d.b_mat.push_back(broadcast_source(i, out, bb));
  }
  d.b_batched = element_count(bb) > 1;
  d.out_shape = out;
  if (!a_vector) d.out_shape.push_back(d.m);
  d.out_shape.push_back(d.n);
  return d;
}

ProductSite site(const ExecContext& ctx, const MatMulDims& d, size_t mat, size_t b_input) {
  return {ctx.weight_key(d.b_batched ? fmt::format("/{}", d.b_mat[mat]) : ""),
          ctx.in_const[b_input]};
}

void matmul(ExecContext& ctx) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  const MatMulDims d = matmul_dims(a.shape(), b.shape());
  Tensor y(DType::kFloat, d.out_shape);
  const size_t as = size_t{d.m} * d.k, bs = size_t{d.k} * d.n, ys = size_t{d.m} * d.n;
  const ActQuant aq = ctx.float_quant(0);
  const auto& av = a.values<float>();
  for (size_t i = 0; i < d.a_mat.size(); ++i) {
    StridedB<float> sb{b.values<float>().data() + d.b_mat[i] * bs, d.k, d.n, d.n, 1};
    float_product(ctx, aq, std::span(av).subspan(d.a_mat[i] * as, as), d.m, sb, site(ctx, d, i, 1),
                  std::span(y.values<float>()).subspan(i * ys, ys));
  }
  ctx.out[0] = std::move(y);
}

void gemm(ExecContext& ctx) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  if (a.rank() != 2 || b.rank() != 2) throw RuntimeError("Gemm needs 2-D A and B");
  const bool ta = ctx.node.attr_int("transA", 0) != 0, tb = ctx.node.attr_int("transB", 0) != 0;
  const float alpha = ctx.node.attr_float("alpha", 1.0f), beta = ctx.node.attr_float("beta", 1.0f);
  const auto m = static_cast<uint32_t>(a.shape()[ta ? 1 : 0]),
             k = static_cast<uint32_t>(a.shape()[ta ? 0 : 1]);
  const auto n = static_cast<uint32_t>(b.shape()[tb ? 0 : 1]);
  if (b.shape()[tb ? 1 : 0] != k)
    throw RuntimeError(fmt::format("Gemm: A {} and B {} do not multiply", shape_string(a.shape()),
                                   shape_string(b.shape())));
  const auto& av = a.values<float>();
  std::vector<float> at;
  if (ta) {
    at.resize(av.size());
    for (uint32_t i = 0; i < m; ++i)
      for (uint32_t j = 0; j < k; ++j) at[size_t{i} * k + j] = av[size_t{j} * m + i];
  }
  const ActQuant aq = ctx.float_quant(0);
  StridedB<float> sb{b.values<float>().data(), k, n, tb ? 1 : size_t{n}, tb ? size_t{k} : 1};
  Tensor y(DType::kFloat, {m, n});
  auto& yv = y.values<float>();
  float_product(ctx, aq, ta ? std::span<const float>(at) : std::span<const float>(av), m, sb,
                {ctx.weight_key(), ctx.in_const[1]}, yv);
  ctx.error_bound *= std::fabs(alpha);
  for (float& v : yv) v *= alpha;
  if (ctx.has_input(2) && beta != 0.0f) add_gemm_c(ctx.input(2), beta, m, n, yv);
  ctx.out[0] = std::move(y);
}

// (A - za) . (B - zb) over broadcast batches, in int32.
Tensor integer_matmul(ExecContext& ctx, size_t ia, size_t iza, size_t ib, size_t izb) {
  const Tensor &a = ctx.input(ia), &b = ctx.input(ib);
  const MatMulDims d = matmul_dims(a.shape(), b.shape());
  const auto abytes = bytes8(a, "A"), bbytes = bytes8(b, "B");
  const ZeroPoints za = zero_points(ctx, iza, d.m, "A zero point");
  const ZeroPoints zb = zero_points(ctx, izb, d.n, "B zero point");
  Tensor y(DType::kInt32, d.out_shape);
  const size_t as = size_t{d.m} * d.k, bs = size_t{d.k} * d.n, ys = size_t{d.m} * d.n;
  for (size_t i = 0; i < d.a_mat.size(); ++i) {
    StridedB<uint8_t> sb{bbytes.data() + d.b_mat[i] * bs, d.k, d.n, d.n, 1};
    integer_product(ctx, abytes.subspan(d.a_mat[i] * as, as), d.m, is_signed8(a), sb, is_signed8(b),
                    za, zb, site(ctx, d, i, ib),
                    std::span(y.values<int32_t>()).subspan(i * ys, ys));
  }
  return y;
}

void matmul_integer(ExecContext& ctx) {
  ctx.out[0] = integer_matmul(ctx, 0, 2, 1, 3);
}

void qlinear_matmul(ExecContext& ctx) {
  Tensor acc = integer_matmul(ctx, 0, 2, 3, 5);
  const auto n = static_cast<size_t>(acc.shape().back());
  const float sa = ctx.input(1).values<float>().at(0), sy = ctx.input(6).values<float>().at(0);
  const std::vector<float> sb = channel_floats(ctx.input(4), n, "B scale");
  const Tensor& zy_t = ctx.input(7);
  bytes8(zy_t, "y zero point");
  const bool out_signed = is_signed8(zy_t);
  const auto zy = static_cast<int32_t>(zy_t.as_int(0));
  Tensor y(zy_t.dtype(), acc.shape());
  const auto& av = acc.values<int32_t>();
  for (size_t i = 0; i < av.size(); ++i) {
    const int32_t q = requantize(static_cast<float>(av[i]) * (sa * sb[i % n] / sy), zy, out_signed);
    if (out_signed)
      y.values<int8_t>()[i] = static_cast<int8_t>(q);
    else
      y.values<uint8_t>()[i] = static_cast<uint8_t>(q);
  }
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_matmul_kernels(std::map<std::string, KernelFn>& t) {
  t["MatMul"] = matmul;
  t["Gemm"] = gemm;
  t["MatMulInteger"] = matmul_integer;
  t["QLinearMatMul"] = qlinear_matmul;
}

}  // namespace hycim::runtime
