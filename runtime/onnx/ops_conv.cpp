// Conv, ConvInteger, QLinearConv (2-D, NCHW) as im2col products: per image
// and group, A = the P x K patch matrix (P output pixels, K = C/g*kh*kw),
// B = the group's weights read transposed (K x M/g), out = A . B.
#include <fmt/format.h>

#include <cmath>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

struct ConvGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0;  // input
  int64_t m = 0, kh = 0, kw = 0, group = 1;
  int64_t sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0;  // top/left padding (bottom/right follow from the output size)
  int64_t oh = 0, ow = 0;
  uint32_t k() const { return static_cast<uint32_t>(c / group * kh * kw); }
  uint32_t p() const { return static_cast<uint32_t>(oh * ow); }
  uint32_t mg() const { return static_cast<uint32_t>(m / group); }
};

// Padding for auto_pad SAME_*: total so that out = ceil(in / stride).
void same_pads(int64_t in, int64_t k, int64_t s, int64_t d, bool upper, int64_t& begin,
               int64_t& out) {
  out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  begin = upper ? total / 2 : total - total / 2;
}

ConvGeometry conv_geometry(const Node& node, const Shape& x, const Shape& w) {
  if (x.size() != 4 || w.size() != 4)
    throw RuntimeError(
        fmt::format("only 2-D convolutions (NCHW input, MCHW weights); got {} and {}",
                    shape_string(x), shape_string(w)));
  ConvGeometry g{x[0], x[1], x[2], x[3], w[0], w[2], w[3]};
  g.group = node.attr_int("group", 1);
  if (g.group < 1 || g.c % g.group || g.m % g.group || w[1] != g.c / g.group)
    throw RuntimeError(fmt::format("channels do not match: input {}, weights {}, group {}",
                                   shape_string(x), shape_string(w), g.group));
  const auto strides = node.attr_ints("strides", {1, 1}), dil = node.attr_ints("dilations", {1, 1});
  const auto pads = node.attr_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4)
    throw RuntimeError("strides, dilations and pads must have 2, 2 and 4 values");
  g.sh = strides[0], g.sw = strides[1], g.dh = dil[0], g.dw = dil[1];
  const std::string ap = node.attr_string("auto_pad", "NOTSET");
  if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
    same_pads(g.h, g.kh, g.sh, g.dh, ap == "SAME_UPPER", g.pt, g.oh);
    same_pads(g.w, g.kw, g.sw, g.dw, ap == "SAME_UPPER", g.pl, g.ow);
    return g;
  }
  const bool valid = ap == "VALID";
  if (!valid && ap != "NOTSET")
    throw RuntimeError(fmt::format("auto_pad '{}' is not supported", ap));
  g.pt = valid ? 0 : pads[0], g.pl = valid ? 0 : pads[1];
  const int64_t pb = valid ? 0 : pads[2], pr = valid ? 0 : pads[3];
  g.oh = (g.h + g.pt + pb - ((g.kh - 1) * g.dh + 1)) / g.sh + 1;
  g.ow = (g.w + g.pl + pr - ((g.kw - 1) * g.dw + 1)) / g.sw + 1;
  if (g.oh < 1 || g.ow < 1) throw RuntimeError("kernel larger than the padded input");
  return g;
}

// Patch matrix of image `img`, group `gi`: row p = output pixel, column k =
// (channel, ky, kx); positions in the padding read `pad`.
template <typename T>
std::vector<T> im2col(const T* x, const ConvGeometry& g, int64_t img, int64_t gi, T pad) {
  const int64_t cg = g.c / g.group;
  std::vector<T> a(size_t{g.p()} * g.k(), pad);
  size_t col = 0;
  for (int64_t ci = 0; ci < cg; ++ci)
    for (int64_t ky = 0; ky < g.kh; ++ky)
      for (int64_t kx = 0; kx < g.kw; ++kx, ++col) {
        const T* plane = x + ((img * g.c) + gi * cg + ci) * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix >= 0 && ix < g.w) a[size_t(oy * g.ow + ox) * g.k() + col] = plane[iy * g.w + ix];
          }
        }
      }
  return a;
}

// Scatters a P x M/g product into the NCHW output of image img, group gi.
template <typename T, typename F>
void scatter(const ConvGeometry& g, int64_t img, int64_t gi, std::span<const T> prod, F&& store) {
  for (uint32_t p = 0; p < g.p(); ++p)
    for (uint32_t j = 0; j < g.mg(); ++j)
      store(((img * g.m) + gi * g.mg() + j) * g.p() + p, prod[size_t{p} * g.mg() + j],
            gi * g.mg() + j);
}

void conv(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &w = ctx.input(1);
  const ConvGeometry g = conv_geometry(ctx.node, x.shape(), w.shape());
  Tensor y(DType::kFloat, {g.n, g.m, g.oh, g.ow});
  auto& yv = y.values<float>();
  const float* bias = ctx.has_input(2) ? ctx.input(2).values<float>().data() : nullptr;
  const ActQuant aq = ctx.float_quant(0);
  std::vector<float> prod(size_t{g.p()} * g.mg());
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      const auto a = im2col(x.values<float>().data(), g, img, gi, 0.0f);
      StridedB<float> b{w.values<float>().data() + gi * g.mg() * g.k(), g.k(), g.mg(), 1, g.k()};
      float_product(ctx, aq, a, g.p(), b,
                    {ctx.weight_key(fmt::format("/g{}", gi)), ctx.in_const[1]}, prod);
      scatter<float>(g, img, gi, prod,
                     [&](int64_t o, float v, int64_t m) { yv[o] = v + (bias ? bias[m] : 0.0f); });
    }
  ctx.out[0] = std::move(y);
}

// (x - zx) * (w - zw[m]) in int32, NCHW; per image and group through `sink`.
template <typename Sink>
void integer_conv(ExecContext& ctx, size_t ix, size_t izx, size_t iw, size_t izw, Sink&& sink) {
  const Tensor &x = ctx.input(ix), &w = ctx.input(iw);
  const ConvGeometry g = conv_geometry(ctx.node, x.shape(), w.shape());
  const auto xb = bytes8(x, "x"), wb = bytes8(w, "w");
  const ZeroPoints zx = zero_points(ctx, izx, 1, "x zero point");
  const ZeroPoints zw_all = zero_points(ctx, izw, static_cast<size_t>(g.m), "w zero point");
  std::vector<int32_t> prod(size_t{g.p()} * g.mg());
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      // Padding holds the zero point, so (x - zx) is 0 there.
      const auto a = im2col(xb.data(), g, img, gi, static_cast<uint8_t>(zx.at(0)));
      ZeroPoints zw;
      if (zw_all.v.size() > 1)
        zw.v.assign(zw_all.v.begin() + gi * g.mg(), zw_all.v.begin() + (gi + 1) * g.mg());
      else
        zw = zw_all;
      StridedB<uint8_t> b{wb.data() + gi * g.mg() * g.k(), g.k(), g.mg(), 1, g.k()};
      integer_product(ctx, a, g.p(), is_signed8(x), b, is_signed8(w), zx, zw,
                      {ctx.weight_key(fmt::format("/g{}", gi)), ctx.in_const[iw]}, prod);
      sink(g, img, gi, std::span<const int32_t>(prod));
    }
}

void conv_integer(ExecContext& ctx) {
  const ConvGeometry g = conv_geometry(ctx.node, ctx.input(0).shape(), ctx.input(1).shape());
  Tensor y(DType::kInt32, {g.n, g.m, g.oh, g.ow});
  auto& yv = y.values<int32_t>();
  integer_conv(ctx, 0, 2, 1, 3,
               [&](const ConvGeometry& gg, int64_t img, int64_t gi, std::span<const int32_t> p) {
                 scatter<int32_t>(gg, img, gi, p,
                                  [&](int64_t o, int32_t v, int64_t) { yv[o] = v; });
               });
  ctx.out[0] = std::move(y);
}

void qlinear_conv(ExecContext& ctx) {
  const ConvGeometry g = conv_geometry(ctx.node, ctx.input(0).shape(), ctx.input(3).shape());
  const float sx = ctx.input(1).values<float>().at(0), sy = ctx.input(6).values<float>().at(0);
  const auto sw = channel_floats(ctx.input(4), static_cast<size_t>(g.m), "w scale");
  const Tensor& zy_t = ctx.input(7);
  bytes8(zy_t, "y zero point");
  const bool out_signed = is_signed8(zy_t);
  const auto zy = static_cast<int32_t>(zy_t.as_int(0));
  const int32_t* bias = ctx.has_input(8) ? ctx.input(8).values<int32_t>().data() : nullptr;
  Tensor y(zy_t.dtype(), {g.n, g.m, g.oh, g.ow});
  integer_conv(ctx, 0, 2, 3, 5,
               [&](const ConvGeometry& gg, int64_t img, int64_t gi, std::span<const int32_t> p) {
                 scatter<int32_t>(gg, img, gi, p, [&](int64_t o, int32_t v, int64_t m) {
                   const float real =
                       static_cast<float>(v + (bias ? bias[m] : 0)) * (sx * sw[m] / sy);
                   const int32_t q = requantize(real, zy, out_signed);
                   if (out_signed)
                     y.values<int8_t>()[o] = static_cast<int8_t>(q);
                   else
                     y.values<uint8_t>()[o] = static_cast<uint8_t>(q);
                 });
               });
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_conv_kernels(std::map<std::string, KernelFn>& t) {
  t["Conv"] = conv;
  t["ConvInteger"] = conv_integer;
  t["QLinearConv"] = qlinear_conv;
}

}  // namespace hycim::runtime
