// Resize (opsets 10-18) and Upsample: nearest, n-linear and cubic
// interpolation, separable over the axes, with every coordinate
// transformation mode of the operator. Each axis gets, per output index, the
// input indices it reads and their weights; an output element is the sum
// over the product of its axes' taps. Taps outside the input read the edge
// (or are dropped with exclude_outside, the rest renormalized).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

struct Tap {
  int64_t index;
  double weight;
};

struct ResizeMode {
  std::string mode, coord, nearest;
  double cubic_a = -0.75, extrapolation = 0;
  bool exclude_outside = false;
};

// Where output index x of an axis lies in the input of `in` elements. As
// in ONNX's reference, the resized length is in * scale before rounding (so
// align_corners with a scale that does not divide uses the fractional one).
double original_coordinate(const ResizeMode& m, double x, double scale, int64_t in,
                           double roi_start, double roi_end) {
  const double len_in = static_cast<double>(in), len_out = len_in * scale;
  if (m.coord == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (m.coord == "pytorch_half_pixel") return len_out > 1 ? (x + 0.5) / scale - 0.5 : 0;
  if (m.coord == "align_corners") return len_out == 1 ? 0 : x * (len_in - 1) / (len_out - 1);
  if (m.coord == "asymmetric") return x / scale;
  if (m.coord == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (m.coord == "tf_crop_and_resize")
    return len_out > 1
               ? roi_start * (len_in - 1) + x * (roi_end - roi_start) * (len_in - 1) / (len_out - 1)
               : 0.5 * (roi_start + roi_end) * (len_in - 1);
  throw RuntimeError(fmt::format("coordinate_transformation_mode '{}' is not supported", m.coord));
}

int64_t nearest_index(const std::string& mode, double x) {
  const double f = std::floor(x);
  if (mode == "floor") return static_cast<int64_t>(f);
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  if (mode == "round_prefer_floor") return static_cast<int64_t>(x - f == 0.5 ? f : std::round(x));
  if (mode == "round_prefer_ceil")
    return static_cast<int64_t>(x - f == 0.5 ? f + 1 : std::round(x));
  throw RuntimeError(fmt::format("nearest_mode '{}' is not supported", mode));
}

std::array<double, 4> cubic_weights(double t, double a) {
  auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < d < 2
  auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // d <= 1
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// The taps of every output index along one axis; an empty list marks an
// output that takes the extrapolation value (tf_crop_and_resize outside roi).
std::vector<std::vector<Tap>> axis_taps(const ResizeMode& m, int64_t in, int64_t out, double scale,
                                        double roi_start, double roi_end) {
  std::vector<std::vector<Tap>> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    auto& t = taps[static_cast<size_t>(o)];
    const double x = original_coordinate(m, static_cast<double>(o), scale, in, roi_start, roi_end);
    if (m.coord == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in - 1))) continue;
    if (m.mode == "nearest") {
      t.push_back({std::clamp<int64_t>(nearest_index(m.nearest, x), 0, in - 1), 1});
      continue;
    }
    const double f = std::floor(x), r = x - f;
    const auto base = static_cast<int64_t>(f);
    if (m.mode == "linear") {
      t = {{base, 1 - r}, {base + 1, r}};
    } else if (m.mode == "cubic") {
      const auto w = cubic_weights(r, m.cubic_a);
      for (int k = 0; k < 4; ++k) t.push_back({base - 1 + k, w[static_cast<size_t>(k)]});
    } else {
      throw RuntimeError(fmt::format("mode '{}' is not supported", m.mode));
    }
    if (m.exclude_outside) {
      double sum = 0;
      std::erase_if(t, [in](const Tap& p) { return p.index < 0 || p.index >= in; });
      for (const Tap& p : t) sum += p.weight;
      for (Tap& p : t) p.weight /= sum;
    }
    for (Tap& p : t) p.index = std::clamp<int64_t>(p.index, 0, in - 1);
    std::erase_if(t, [](const Tap& p) { return p.weight == 0; });
  }
  return taps;
}

void resize(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  const size_t r = x.rank();
  const bool old = ctx.opset < 11 || ctx.node.op_type == "Upsample";
  ResizeMode m;
  m.mode = ctx.node.attr_string("mode", "nearest");
  m.coord =
      ctx.node.attr_string("coordinate_transformation_mode", old ? "asymmetric" : "half_pixel");
  m.nearest = ctx.node.attr_string("nearest_mode", old ? "floor" : "round_prefer_floor");
  m.cubic_a = ctx.node.attr_float("cubic_coeff_a", -0.75f);
  m.exclude_outside = ctx.node.attr_int("exclude_outside", 0) != 0;
  m.extrapolation = ctx.node.attr_float("extrapolation_value", 0);
  if (ctx.node.attr_int("antialias", 0)) throw RuntimeError("antialias=1 is not supported");
  if (ctx.node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
    throw RuntimeError("keep_aspect_ratio_policy other than 'stretch' is not supported");
  std::vector<int64_t> axes = ctx.node.attr_ints("axes", {});
  if (axes.empty())
    for (size_t d = 0; d < r; ++d) axes.push_back(static_cast<int64_t>(d));
  for (auto& a : axes) a = normalize_axis(a, r);
  // Inputs: X, scales (opset 10, Upsample) or X, roi, scales, sizes.
  const size_t scales_at = old ? 1 : 2;
  std::vector<double> scales(r, 1.0), roi_start(r, 0.0), roi_end(r, 1.0);
  Shape out = x.shape();
  const bool have_sizes = !old && ctx.has_input(3) && ctx.input(3).size() > 0;
  if (have_sizes) {
    const auto sizes = int_list(ctx.input(3));
    if (sizes.size() != axes.size()) throw RuntimeError("sizes needs one value per axis");
    for (size_t k = 0; k < axes.size(); ++k) {
      const auto d = static_cast<size_t>(axes[k]);
      out[d] = sizes[k];
      scales[d] = static_cast<double>(sizes[k]) / static_cast<double>(x.shape()[d]);
    }
  } else if (ctx.has_input(scales_at) && ctx.input(scales_at).size() > 0) {
    const Tensor& s = ctx.input(scales_at);
    if (static_cast<size_t>(s.size()) != axes.size())
      throw RuntimeError("scales needs one value per axis");
    for (size_t k = 0; k < axes.size(); ++k) {
      const auto d = static_cast<size_t>(axes[k]);
      scales[d] = s.as_double(static_cast<int64_t>(k));
      if (scales[d] <= 0) throw RuntimeError("scales must be positive");
      out[d] = static_cast<int64_t>(
          std::floor(static_cast<double>(x.shape()[d]) * static_cast<float>(scales[d])));
    }
  } else if (ctx.node.has_attr("scales")) {  // Upsample before opset 9
    const auto& s = ctx.node.attrs.at("scales").floats;
    if (s.size() != r) throw RuntimeError("scales needs one value per axis");
    for (size_t d = 0; d < r; ++d)
      scales[d] = s[d],
      out[d] = static_cast<int64_t>(std::floor(static_cast<double>(x.shape()[d]) * s[d]));
  } else {
    throw RuntimeError("needs scales or sizes");
  }
  if (!old && m.coord == "tf_crop_and_resize") {
    const Tensor& roi = ctx.input(1);
    if (static_cast<size_t>(roi.size()) != 2 * axes.size())
      throw RuntimeError("roi needs 2 values per axis");
    for (size_t k = 0; k < axes.size(); ++k) {
      roi_start[static_cast<size_t>(axes[k])] = roi.as_double(static_cast<int64_t>(k));
      roi_end[static_cast<size_t>(axes[k])] = roi.as_double(static_cast<int64_t>(k + axes.size()));
    }
  }
  std::vector<std::vector<std::vector<Tap>>> taps(r);
  for (size_t d = 0; d < r; ++d)
    taps[d] = axis_taps(m, x.shape()[d], out[d], scales[d], roi_start[d], roi_end[d]);
  std::vector<int64_t> stride(r, 1);
  for (size_t d = r; d-- > 1;) stride[d - 1] = stride[d] * x.shape()[d];
  ctx.out[0] = with_float_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    const auto& xv = x.values<T>();
    auto& yv = y.values<T>();
    std::vector<size_t> pick(r);
    for_each_index(out, [&](int64_t i, const std::vector<int64_t>& o) {
      std::vector<const std::vector<Tap>*> t(r);
      for (size_t d = 0; d < r; ++d) {
        t[d] = &taps[d][static_cast<size_t>(o[d])];
        if (t[d]->empty()) {
          yv[static_cast<size_t>(i)] = static_cast<T>(m.extrapolation);
          return;
        }
      }
      // Sum over the cartesian product of the axes' taps (odometer over pick).
      double acc = 0;
      std::fill(pick.begin(), pick.end(), 0);
      while (true) {
        double w = 1;
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) {
          const Tap& p = (*t[d])[pick[d]];
          w *= p.weight, off += p.index * stride[d];
        }
        acc += w * xv[static_cast<size_t>(off)];
        size_t d = r;
        while (d-- > 0 && ++pick[d] == t[d]->size()) pick[d] = 0;
        if (d == static_cast<size_t>(-1)) break;
      }
      yv[static_cast<size_t>(i)] = static_cast<T>(acc);
    });
    return y;
  });
}

}  // namespace

void add_resize_kernels(std::map<std::string, KernelFn>& t) {
  t["Resize"] = resize;
  t["Upsample"] = resize;
}

}  // namespace hycim::runtime
