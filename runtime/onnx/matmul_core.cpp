#include "runtime/onnx/matmul_core.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hycim::runtime {
namespace {

// B copied into K x N memory order once (cached with the prepared weights), so
// the inner loop is a contiguous axpy the compiler vectorizes.
PreparedB float_b(const StridedB<float>& b) {
  PreparedB p;
  p.k = b.k;
  p.n = b.n;
  p.fdata.resize(size_t{b.k} * b.n);
  for (uint32_t k = 0; k < b.k; ++k)
    for (uint32_t n = 0; n < b.n; ++n) p.fdata[size_t{k} * b.n + n] = b.at(k, n);
  return p;
}

void float_loops(std::span<const float> a, uint32_t m, const PreparedB& b, std::span<float> out) {
  std::fill(out.begin(), out.end(), 0.0f);
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t k = 0; k < b.k; ++k) {
      const float x = a[size_t{i} * b.k + k];
      const float* __restrict w = &b.fdata[size_t{k} * b.n];
      float* __restrict o = &out[size_t{i} * b.n];
      for (uint32_t n = 0; n < b.n; ++n) o[n] += x * w[n];
    }
}

PreparedB quantized_b(const StridedB<float>& b) {
  std::vector<float> w(size_t{b.k} * b.n);
  for (uint32_t k = 0; k < b.k; ++k)
    for (uint32_t n = 0; n < b.n; ++n) w[size_t{k} * b.n + n] = b.at(k, n);
  WeightQuant q = quantize_weights(w, b.k, b.n);
  PreparedB p;
  p.k = b.k;
  p.n = b.n;
  p.is_signed = true;
  p.data = std::move(q.data);
  p.scales = std::move(q.scales);
  p.max_abs = q.max_abs;
  p.max_scale = q.max_scale;
  if (b.blocks > 1) {
    // quantize_weights' maxima, over each block's columns alone.
    const uint32_t nb = b.n / b.blocks;
    p.block_max.assign(b.blocks, {0.0f, 0.0f});
    for (uint32_t n = 0; n < b.n; ++n) {
      float col = 0;
      for (uint32_t k = 0; k < b.k; ++k) col = std::max(col, std::fabs(w[size_t{k} * b.n + n]));
      auto& [max_abs, max_scale] = p.block_max[n / nb];
      max_abs = std::max(max_abs, col);
      max_scale = std::max(max_scale, p.scales[n]);
    }
  }
  return p;
}

}  // namespace

void float_product(ExecContext& ctx, const ActQuant& aq, std::span<const float> a, uint32_t m,
                   const StridedB<float>& b, const ProductSite& site, std::span<float> out) {
  if (!ctx.backend.quantizes_float())
    return float_loops(
        a, m, ctx.backend.prepare(site.key, site.constant, [&] { return float_b(b); }), out);
  const PreparedB& pb =
      ctx.backend.prepare(site.key, site.constant, [&] { return quantized_b(b); });
  std::vector<uint8_t> qa(a.size());
  quantize(a, aq, qa);
  std::vector<int32_t> acc(out.size());
  ctx.backend.multiply(pb, qa, m, aq.is_signed, acc);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<float>(acc[i]) * aq.scale * pb.scales[i % pb.n];
  WeightQuant wq;
  wq.max_abs = pb.max_abs;
  wq.max_scale = pb.max_scale;
  if (pb.block_max.empty())
    ctx.error_bound = std::max(ctx.error_bound, dot_error_bound(b.k, aq, wq));
  for (const auto& [max_abs, max_scale] : pb.block_max) {
    wq.max_abs = max_abs;
    wq.max_scale = max_scale;
    ctx.error_bound = std::max(ctx.error_bound, dot_error_bound(b.block_k(), aq, wq));
  }
}

bool ZeroPoints::zero() const {
  return std::all_of(v.begin(), v.end(), [](int32_t x) { return x == 0; });
}

ZeroPoints zero_points(const ExecContext& ctx, size_t i, size_t count, const char* what) {
  ZeroPoints z;
  if (!ctx.has_input(i)) return z;
  const Tensor& t = ctx.input(i);
  bytes8(t, what);
  if (t.size() != 1 && static_cast<size_t>(t.size()) != count)
    throw RuntimeError(fmt::format("{} has {} values; expected 1 or {}", what, t.size(), count));
  z.v.resize(static_cast<size_t>(t.size()));
  for (int64_t j = 0; j < t.size(); ++j)
    z.v[static_cast<size_t>(j)] = static_cast<int32_t>(t.as_int(j));
  return z;
}

void integer_product(ExecContext& ctx, std::span<const uint8_t> a, uint32_t m, bool asigned,
                     const StridedB<uint8_t>& b, bool bsigned, const ZeroPoints& za,
                     const ZeroPoints& zb, const ProductSite& site, std::span<int32_t> out) {
  const PreparedB& pb = ctx.backend.prepare(site.key, site.constant, [&] {
    PreparedB p;
    p.k = b.k;
    p.n = b.n;
    p.is_signed = bsigned;
    p.data.resize(size_t{b.k} * b.n);
    for (uint32_t k = 0; k < b.k; ++k)
      for (uint32_t n = 0; n < b.n; ++n) p.data[size_t{k} * b.n + n] = b.at(k, n);
    return p;
  });
  ctx.backend.multiply(pb, a, m, asigned, out);
  if (za.zero() && zb.zero()) return;
  for (uint32_t i = 0; i < m; ++i) {
    int64_t row_sum = 0;
    for (uint32_t k = 0; k < b.k; ++k) {
      const uint8_t v = a[size_t{i} * b.k + k];
      row_sum += asigned ? int64_t{static_cast<int8_t>(v)} : int64_t{v};
    }
    for (uint32_t n = 0; n < b.n; ++n) {
      const int64_t zan = za.at(i), zbn = zb.at(n);
      const int64_t fix = -zbn * row_sum - zan * pb.col_sums[n] + int64_t{b.k} * zan * zbn;
      out[size_t{i} * b.n + n] = static_cast<int32_t>(out[size_t{i} * b.n + n] + fix);
    }
  }
}

std::span<const uint8_t> bytes8(const Tensor& t, const char* what) {
  if (t.dtype() == DType::kUint8) return t.values<uint8_t>();
  if (t.dtype() == DType::kInt8) {
    const auto& v = t.values<int8_t>();
    // Reading int8 objects through unsigned char is allowed aliasing.
    return {reinterpret_cast<const uint8_t*>(v.data()), v.size()};
  }
  throw RuntimeError(fmt::format("{} must be uint8 or int8, not {}", what, to_string(t.dtype())));
}

bool is_signed8(const Tensor& t) {
  return t.dtype() == DType::kInt8;
}

std::vector<float> channel_floats(const Tensor& t, size_t count, const char* what) {
  const auto& v = t.values<float>();
  if (v.size() != 1 && v.size() != count)
    throw RuntimeError(fmt::format("{} has {} values; expected 1 or {}", what, v.size(), count));
  if (v.size() == count) return v;
  return std::vector<float>(count, v[0]);
}

int32_t requantize(float v, int32_t zp, bool out_signed) {
  const float r = std::nearbyint(v) + static_cast<float>(zp);
  return static_cast<int32_t>(out_signed ? std::clamp(r, -128.0f, 127.0f)
                                         : std::clamp(r, 0.0f, 255.0f));
}

void add_gemm_c(const Tensor& c, float beta, uint32_t m, uint32_t n, std::span<float> y) {
  Shape cs = c.shape();
  while (cs.size() < 2) cs.insert(cs.begin(), 1);
  if (cs.size() != 2 || (cs[0] != 1 && cs[0] != m) || (cs[1] != 1 && cs[1] != n))
    throw RuntimeError(
        fmt::format("Gemm: C {} does not broadcast to [{},{}]", shape_string(c.shape()), m, n));
  const auto& cv = c.values<float>();
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j)
      y[size_t{i} * n + j] += beta * cv[(cs[0] == 1 ? 0 : i) * cs[1] + (cs[1] == 1 ? 0 : j)];
}

}  // namespace hycim::runtime
