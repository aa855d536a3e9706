#include "runtime/onnx/quant.hpp"

#include <algorithm>
#include <cmath>

namespace hycim::runtime {
namespace {

// A scale of 0 would divide by zero; an all-zero tensor quantizes to zeros anyway.
float nonzero(float s) {
  return s > 0 ? s : 1.0f;
}

}  // namespace

ActQuant choose_act_quant(float lo, float hi) {
  ActQuant q;
  if (lo >= 0) {
    q.is_signed = false;
    q.scale = nonzero(hi / 255.0f);
    q.max_abs = hi;
  } else {
    q.is_signed = true;
    q.max_abs = std::max(std::fabs(lo), std::fabs(hi));
    q.scale = nonzero(q.max_abs / 127.0f);
  }
  return q;
}

ActQuant choose_act_quant(std::span<const float> x) {
  if (x.empty()) return choose_act_quant(0.0f, 0.0f);
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  return choose_act_quant(*lo, *hi);
}

void quantize(std::span<const float> x, const ActQuant& q, std::span<uint8_t> out) {
  const float inv = 1.0f / q.scale;
  const float lo = q.is_signed ? -127.0f : 0.0f, hi = q.is_signed ? 127.0f : 255.0f;
  for (size_t i = 0; i < x.size(); ++i) {
    const float v = std::clamp(std::nearbyint(x[i] * inv), lo, hi);
    out[i] = q.is_signed ? static_cast<uint8_t>(static_cast<int8_t>(v)) : static_cast<uint8_t>(v);
  }
}

WeightQuant quantize_weights(std::span<const float> w, uint32_t k, uint32_t n) {
  WeightQuant q;
  q.data.resize(size_t{k} * n);
  q.scales.assign(n, 0.0f);
  for (size_t i = 0; i < w.size(); ++i)
    q.scales[i % n] = std::max(q.scales[i % n], std::fabs(w[i]));
  for (float& s : q.scales) {
    q.max_abs = std::max(q.max_abs, s);
    s = nonzero(s / 127.0f);
    q.max_scale = std::max(q.max_scale, s);
  }
  for (size_t i = 0; i < w.size(); ++i) {
    const float v = std::clamp(std::nearbyint(w[i] / q.scales[i % n]), -127.0f, 127.0f);
    q.data[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
  }
  return q;
}

double dot_error_bound(uint32_t k, const ActQuant& a, const WeightQuant& w) {
  const double dx = a.scale / 2.0, dw = w.max_scale / 2.0;
  return k * (a.max_abs * dw + w.max_abs * dx + dx * dw);
}

}  // namespace hycim::runtime
