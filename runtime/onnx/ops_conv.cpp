// Conv, ConvInteger, QLinearConv (1-D, 2-D or 3-D, channels first) as im2col
// products: per image and group, A = the P x K patch matrix (P output
// positions, K = C/g * kernel volume), B = the group's weights read
// transposed (K x M/g), out = A . B. On the device, groups narrower than the
// tile's lanes are packed: G' consecutive groups' patch matrices side by
// side (P x G'K) times their weights on the diagonal of a G'K x G'M/g B, one
// product whose results equal the G' products bit for bit. ConvTranspose is
// the product the other way round: A = the input positions (P_in x C/g),
// B = the group's weights as they lie (C/g x M/g * kernel volume), then each
// product row is added into the output window it spreads over (col2im).
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <numeric>

#include "runtime/onnx/matmul_core.hpp"

namespace hycim::runtime {
namespace {

// Up to three spatial axes, stored as (d, h, w); a 1-D convolution has d = h
// = 1 and a 2-D one d = 1, with kernel, stride and dilation 1 there.
constexpr size_t kAxes = 3;
using Axes = std::array<int64_t, kAxes>;

struct ConvGeometry {
  size_t rank = 2;  // spatial axes of the model's tensors (1, 2 or 3)
  int64_t n = 0, c = 0, m = 0, group = 1;
  Axes in{1, 1, 1}, kernel{1, 1, 1}, stride{1, 1, 1}, dil{1, 1, 1};
  Axes pad{0, 0, 0};  // leading padding (trailing follows from the output size)
  Axes out{1, 1, 1};
  int64_t kvol() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  uint32_t k() const { return static_cast<uint32_t>(c / group * kvol()); }
  uint32_t p() const { return static_cast<uint32_t>(out[0] * out[1] * out[2]); }
  uint32_t mg() const { return static_cast<uint32_t>(m / group); }
  // The output (or, for ConvTranspose, input) shape N, C, spatial...
  Shape shape(int64_t channels, const Axes& spatial) const {
    Shape s{n, channels};
    for (size_t i = kAxes - rank; i < kAxes; ++i) s.push_back(spatial[i]);
    return s;
  }
};

// Padding for auto_pad SAME_*: total so that out = ceil(in / stride).
void same_pads(int64_t in, int64_t k, int64_t s, int64_t d, bool upper, int64_t& begin,
               int64_t& out) {
  out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  begin = upper ? total / 2 : total - total / 2;
}

// An attribute with one value per spatial axis (or two, for pads), placed in
// the trailing `rank` slots of Axes.
void axes_attr(const Node& node, const char* name, size_t rank, int64_t fill, Axes& begin,
               Axes* end = nullptr) {
  const auto v = node.attr_ints(name, std::vector<int64_t>((end ? 2 : 1) * rank, fill));
  if (v.size() != (end ? 2 : 1) * rank)
    throw RuntimeError(fmt::format("{} has {} values; {} spatial axes need {}", name, v.size(),
                                   rank, (end ? 2 : 1) * rank));
  for (size_t i = 0; i < rank; ++i) {
    begin[kAxes - rank + i] = v[i];
    if (end) (*end)[kAxes - rank + i] = v[rank + i];
  }
}

// Shapes and attributes common to Conv and ConvTranspose; `w` is M x C/g x k
// for Conv and C x M/g x k for ConvTranspose.
ConvGeometry base_geometry(const Node& node, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 5 || w.size() != x.size())
    throw RuntimeError(fmt::format(
        "convolutions take 1 to 3 spatial axes (N x C x D1.. input, weights of the same rank); "
        "got {} and {}",
        shape_string(x), shape_string(w)));
  ConvGeometry g;
  g.rank = x.size() - 2;
  g.n = x[0], g.c = x[1];
  g.group = node.attr_int("group", 1);
  for (size_t i = 0; i < g.rank; ++i) {
    g.in[kAxes - g.rank + i] = x[2 + i];
    g.kernel[kAxes - g.rank + i] = w[2 + i];
  }
  axes_attr(node, "strides", g.rank, 1, g.stride);
  axes_attr(node, "dilations", g.rank, 1, g.dil);
  if (g.group < 1 || g.c % g.group)
    throw RuntimeError(fmt::format("channels do not match: input {}, weights {}, group {}",
                                   shape_string(x), shape_string(w), g.group));
  return g;
}

ConvGeometry conv_geometry(const Node& node, const Shape& x, const Shape& w) {
  ConvGeometry g = base_geometry(node, x, w);
  g.m = w[0];
  if (g.m % g.group || w[1] != g.c / g.group)
    throw RuntimeError(fmt::format("channels do not match: input {}, weights {}, group {}",
                                   shape_string(x), shape_string(w), g.group));
  Axes pad_end{0, 0, 0};
  axes_attr(node, "pads", g.rank, 0, g.pad, &pad_end);
  const std::string ap = node.attr_string("auto_pad", "NOTSET");
  for (size_t i = kAxes - g.rank; i < kAxes; ++i) {
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      same_pads(g.in[i], g.kernel[i], g.stride[i], g.dil[i], ap == "SAME_UPPER", g.pad[i],
                g.out[i]);
      continue;
    }
    if (ap == "VALID")
      g.pad[i] = pad_end[i] = 0;
    else if (ap != "NOTSET")
      throw RuntimeError(fmt::format("auto_pad '{}' is not supported", ap));
    g.out[i] =
        (g.in[i] + g.pad[i] + pad_end[i] - ((g.kernel[i] - 1) * g.dil[i] + 1)) / g.stride[i] + 1;
    if (g.out[i] < 1) throw RuntimeError("kernel larger than the padded input");
  }
  return g;
}

// Patch matrices of image `img`, groups [first, first + count), side by
// side: row p = output position, column j * K + k = group first + j's
// (channel, kd, kh, kw); positions in the padding read `pad`.
template <typename T>
std::vector<T> im2col(const T* x, const ConvGeometry& g, int64_t img, int64_t first, int64_t count,
                      T pad) {
  const int64_t cg = g.c / g.group;
  const size_t ld = size_t{g.k()} * size_t(count);
  std::vector<T> a(size_t{g.p()} * ld, pad);
  size_t col = 0;
  for (int64_t ci = 0; ci < cg * count; ++ci)
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t ky = 0; ky < g.kernel[1]; ++ky)
        for (int64_t kx = 0; kx < g.kernel[2]; ++kx, ++col) {
          const T* plane = x + ((img * g.c) + first * cg + ci) * g.in_plane();
          for (int64_t od = 0; od < g.out[0]; ++od) {
            const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
            if (id < 0 || id >= g.in[0]) continue;
            for (int64_t oy = 0; oy < g.out[1]; ++oy) {
              const int64_t iy = oy * g.stride[1] - g.pad[1] + ky * g.dil[1];
              if (iy < 0 || iy >= g.in[1]) continue;
              const T* row = plane + (id * g.in[1] + iy) * g.in[2];
              const size_t p0 = size_t((od * g.out[1] + oy) * g.out[2]);
              for (int64_t ox = 0; ox < g.out[2]; ++ox) {
                const int64_t ix = ox * g.stride[2] - g.pad[2] + kx * g.dil[2];
                if (ix >= 0 && ix < g.in[2]) a[(p0 + size_t(ox)) * ld + col] = row[ix];
              }
            }
          }
        }
  return a;
}

// The groups of one product: [first, first + count).
struct GroupPack {
  int64_t first = 0, count = 1;
  uint32_t width(const ConvGeometry& g) const { return g.mg() * uint32_t(count); }
  uint32_t depth(const ConvGeometry& g) const { return g.k() * uint32_t(count); }
  // Per-group keys stay those of an unpacked product, so weights it placed
  // are found again.
  std::string key() const {
    return count == 1 ? fmt::format("/g{}", first) : fmt::format("/gp{}x{}", first, count);
  }
};

// Groups one product takes: as many as fill the tile's lanes where the
// backend packs (max(1, lanes / (M/g))), else one.
int64_t groups_per_product(const ExecContext& ctx, const ConvGeometry& g) {
  if (g.group == 1) return 1;
  const uint32_t lanes = ctx.backend.pack_lanes();
  if (lanes == 0) return 1;
  return std::max<int64_t>(1, lanes / g.mg());
}

// The conv's groups, product by product; the last pack may be partial.
template <typename F>
void for_each_pack(const ExecContext& ctx, const ConvGeometry& g, F&& f) {
  const int64_t per = groups_per_product(ctx, g);
  for (int64_t first = 0; first < g.group; first += per)
    f(GroupPack{first, std::min(per, g.group - first)});
}

// B of a pack: its groups' weights (M x C/g x kernel, read transposed) on
// the diagonal, `outside` elsewhere.
template <typename T>
StridedB<T> pack_b(const T* w, const ConvGeometry& g, const GroupPack& pk,
                   const T* outside = nullptr) {
  StridedB<T> b{w + pk.first * g.mg() * g.k(), pk.depth(g), pk.width(g), 1, g.k()};
  b.blocks = uint32_t(pk.count);
  b.outside = outside;
  return b;
}

// Scatters a P x width product into the NCHW output of image img, channels
// [ch0, ch0 + width).
template <typename T, typename F>
void scatter(const ConvGeometry& g, int64_t img, int64_t ch0, uint32_t width,
             std::span<const T> prod, F&& store) {
  for (uint32_t p = 0; p < g.p(); ++p)
    for (uint32_t j = 0; j < width; ++j)
      store(((img * g.m) + ch0 + j) * g.p() + p, prod[size_t{p} * width + j], ch0 + j);
}

void conv(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &w = ctx.input(1);
  const ConvGeometry g = conv_geometry(ctx.node, x.shape(), w.shape());
  Tensor y(DType::kFloat, g.shape(g.m, g.out));
  auto& yv = y.values<float>();
  const float* bias = ctx.has_input(2) ? ctx.input(2).values<float>().data() : nullptr;
  const ActQuant aq = ctx.float_quant(0);
  std::vector<float> prod;
  for (int64_t img = 0; img < g.n; ++img)
    for_each_pack(ctx, g, [&](const GroupPack& pk) {
      const auto a = im2col(x.values<float>().data(), g, img, pk.first, pk.count, 0.0f);
      prod.resize(size_t{g.p()} * pk.width(g));
      float_product(ctx, aq, a, g.p(), pack_b(w.values<float>().data(), g, pk),
                    {ctx.weight_key(pk.key()), ctx.in_const[1]}, prod);
      scatter<float>(g, img, pk.first * g.mg(), pk.width(g), prod,
                     [&](int64_t o, float v, int64_t m) { yv[o] = v + (bias ? bias[m] : 0.0f); });
    });
  ctx.out[0] = std::move(y);
}

ConvGeometry conv_transpose_geometry(const Node& node, const Shape& x, const Shape& w) {
  ConvGeometry g = base_geometry(node, x, w);
  if (w[0] != g.c)
    throw RuntimeError(fmt::format("weights {} need {} input channels first, the input has {}",
                                   shape_string(w), w[0], g.c));
  g.m = w[1] * g.group;
  Axes pad_end{0, 0, 0}, out_pad{0, 0, 0};
  axes_attr(node, "pads", g.rank, 0, g.pad, &pad_end);
  axes_attr(node, "output_padding", g.rank, 0, out_pad);
  const std::string ap = node.attr_string("auto_pad", "NOTSET");
  if (ap != "NOTSET" && ap != "VALID" && ap != "SAME_UPPER" && ap != "SAME_LOWER")
    throw RuntimeError(fmt::format("auto_pad '{}' is not supported", ap));
  auto out_shape = node.attr_ints("output_shape", {});
  if (out_shape.size() == g.rank + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (!out_shape.empty() && out_shape.size() != g.rank)
    throw RuntimeError(
        fmt::format("output_shape has {} values for {} spatial axes", out_shape.size(), g.rank));
  for (size_t i = kAxes - g.rank; i < kAxes; ++i) {
    const int64_t full =
        g.stride[i] * (g.in[i] - 1) + out_pad[i] + (g.kernel[i] - 1) * g.dil[i] + 1;
    int64_t want = -1;
    if (!out_shape.empty())
      want = out_shape[i - (kAxes - g.rank)];
    else if (ap == "SAME_UPPER" || ap == "SAME_LOWER")
      want = g.in[i] * g.stride[i];
    if (ap == "VALID") g.pad[i] = pad_end[i] = 0;
    if (want >= 0) {                      // pads follow from the output size asked for
      const int64_t total = full - want;  // negative: the output grows at the end
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);  // floor(total / 2)
      g.pad[i] = ap == "SAME_UPPER" ? half : total - half;
      pad_end[i] = total - g.pad[i];
    }
    g.out[i] = full - g.pad[i] - pad_end[i];
    if (g.out[i] < 1) throw RuntimeError("pads leave no output");
  }
  return g;
}

// Per image and group: (input positions x C/g) . (C/g x M/g * kernel
// volume), each product row added into the output window it covers.
void conv_transpose(ExecContext& ctx) {
  const Tensor &x = ctx.input(0), &w = ctx.input(1);
  const ConvGeometry g = conv_transpose_geometry(ctx.node, x.shape(), w.shape());
  Tensor y(DType::kFloat, g.shape(g.m, g.out));
  auto& yv = y.values<float>();
  const int64_t cg = g.c / g.group, kvol = g.kvol(), pin = g.in_plane(), pout = g.p();
  const auto ncols = static_cast<uint32_t>(g.mg() * kvol);
  const ActQuant aq = ctx.float_quant(0);
  const auto& xv = x.values<float>();
  std::vector<float> a(static_cast<size_t>(pin * cg)), prod(static_cast<size_t>(pin) * ncols);
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t gi = 0; gi < g.group; ++gi) {
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t p = 0; p < pin; ++p)
          a[static_cast<size_t>(p * cg + ci)] =
              xv[static_cast<size_t>((img * g.c + gi * cg + ci) * pin + p)];
      StridedB<float> b{w.values<float>().data() + gi * cg * ncols, static_cast<uint32_t>(cg),
                        ncols, ncols, 1};
      float_product(ctx, aq, a, static_cast<uint32_t>(pin), b,
                    {ctx.weight_key(fmt::format("/g{}", gi)), ctx.in_const[1]}, prod);
      float* out = yv.data() + (img * g.m + gi * g.mg()) * pout;
      for (int64_t id = 0; id < g.in[0]; ++id)
        for (int64_t iy = 0; iy < g.in[1]; ++iy)
          for (int64_t ix = 0; ix < g.in[2]; ++ix) {
            const float* row = prod.data() + ((id * g.in[1] + iy) * g.in[2] + ix) * ncols;
            for (int64_t j = 0; j < g.mg(); ++j)
              for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                const int64_t od = id * g.stride[0] - g.pad[0] + kd * g.dil[0];
                if (od < 0 || od >= g.out[0]) continue;
                for (int64_t ky = 0; ky < g.kernel[1]; ++ky) {
                  const int64_t oy = iy * g.stride[1] - g.pad[1] + ky * g.dil[1];
                  if (oy < 0 || oy >= g.out[1]) continue;
                  for (int64_t kx = 0; kx < g.kernel[2]; ++kx) {
                    const int64_t ox = ix * g.stride[2] - g.pad[2] + kx * g.dil[2];
                    if (ox < 0 || ox >= g.out[2]) continue;
                    out[j * pout + (od * g.out[1] + oy) * g.out[2] + ox] +=
                        row[j * kvol + (kd * g.kernel[1] + ky) * g.kernel[2] + kx];
                  }
                }
              }
          }
    }
  if (ctx.has_input(2)) {
    const auto& bias = ctx.input(2).values<float>();
    if (static_cast<int64_t>(bias.size()) != g.m)
      throw RuntimeError(fmt::format("bias has {} values; expected {}", bias.size(), g.m));
    for (size_t i = 0; i < yv.size(); ++i)
      yv[i] += bias[(i / static_cast<size_t>(pout)) % bias.size()];
  }
  // An output element sums the products of every kernel tap that reaches
  // it: at most ceil(k / (s / gcd(s, d))) per axis.
  int64_t taps = 1;
  for (size_t i = 0; i < kAxes; ++i) {
    const int64_t step = g.stride[i] / std::gcd(g.stride[i], g.dil[i]);
    taps *= std::min(g.kernel[i], (g.kernel[i] + step - 1) / step);
  }
  ctx.error_bound *= static_cast<double>(taps);
  ctx.out[0] = std::move(y);
}

// (x - zx) * (w - zw[m]) in int32, NCHW; per image and pack of groups
// through `sink` (geometry, image, first channel, channels, product).
template <typename Sink>
void integer_conv(ExecContext& ctx, size_t ix, size_t izx, size_t iw, size_t izw, Sink&& sink) {
  const Tensor &x = ctx.input(ix), &w = ctx.input(iw);
  const ConvGeometry g = conv_geometry(ctx.node, x.shape(), w.shape());
  const auto xb = bytes8(x, "x"), wb = bytes8(w, "w");
  const ZeroPoints zx = zero_points(ctx, izx, 1, "x zero point");
  const ZeroPoints zw_all = zero_points(ctx, izw, static_cast<size_t>(g.m), "w zero point");
  std::vector<int32_t> prod;
  std::vector<uint8_t> outside;
  for (int64_t img = 0; img < g.n; ++img)
    for_each_pack(ctx, g, [&](const GroupPack& pk) {
      // Padding holds the zero point, so (x - zx) is 0 there.
      const auto a = im2col(xb.data(), g, img, pk.first, pk.count, static_cast<uint8_t>(zx.at(0)));
      const size_t ch0 = size_t(pk.first) * g.mg(), width = pk.width(g);
      ZeroPoints zw;
      if (zw_all.v.size() > 1)
        zw.v.assign(zw_all.v.begin() + ch0, zw_all.v.begin() + ch0 + width);
      else
        zw = zw_all;
      // Off its group's block a column holds its weight zero point: (w - zw)
      // is 0 there, and the zero-point correction over the packed depth gives
      // each group its own sum.
      outside.resize(width);
      for (size_t j = 0; j < width; ++j) outside[j] = static_cast<uint8_t>(zw.at(j));
      prod.resize(size_t{g.p()} * width);
      integer_product(ctx, a, g.p(), is_signed8(x), pack_b(wb.data(), g, pk, outside.data()),
                      is_signed8(w), zx, zw, {ctx.weight_key(pk.key()), ctx.in_const[iw]}, prod);
      sink(g, img, int64_t(ch0), uint32_t(width), std::span<const int32_t>(prod));
    });
}

void conv_integer(ExecContext& ctx) {
  const ConvGeometry g = conv_geometry(ctx.node, ctx.input(0).shape(), ctx.input(1).shape());
  Tensor y(DType::kInt32, g.shape(g.m, g.out));
  auto& yv = y.values<int32_t>();
  integer_conv(ctx, 0, 2, 1, 3,
               [&](const ConvGeometry& gg, int64_t img, int64_t ch0, uint32_t width,
                   std::span<const int32_t> p) {
                 scatter<int32_t>(gg, img, ch0, width, p,
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
  Tensor y(zy_t.dtype(), g.shape(g.m, g.out));
  integer_conv(ctx, 0, 2, 3, 5,
               [&](const ConvGeometry& gg, int64_t img, int64_t ch0, uint32_t width,
                   std::span<const int32_t> p) {
                 scatter<int32_t>(gg, img, ch0, width, p, [&](int64_t o, int32_t v, int64_t m) {
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
  t["ConvTranspose"] = conv_transpose;
  t["ConvInteger"] = conv_integer;
  t["QLinearConv"] = qlinear_conv;
}

}  // namespace hycim::runtime
