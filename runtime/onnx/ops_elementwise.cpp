// Element-wise operators with numpy broadcasting: arithmetic on every number
// type, comparisons and logic with bool results, Where, the variadic
// Min/Max/Sum/Mean, and the float activations and functions.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

template <typename T, typename R = T, typename Op>
Tensor binary(const Tensor& a, const Tensor& b, Op op) {
  const Shape out = broadcast_shape(a.shape(), b.shape());
  Tensor y(dtype_of<R>(), out);
  const auto &av = a.values<T>(), &bv = b.values<T>();
  auto& yv = y.values<R>();
  for_each_broadcast<2>(out, {a.shape(), b.shape()}, [&](int64_t i, const auto& o) {
    yv[static_cast<size_t>(i)] =
        static_cast<R>(op(av[static_cast<size_t>(o[0])], bv[static_cast<size_t>(o[1])]));
  });
  return y;
}

void same_types(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    throw RuntimeError(
        fmt::format("operand types differ: {} and {}", to_string(a.dtype()), to_string(b.dtype())));
}

// Add, Sub, Mul, Div, Mod, PRelu: same type in, same type out.
template <typename Op>
void arithmetic(ExecContext& ctx, Op op) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  same_types(a, b);
  ctx.out[0] = with_number_type(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return binary<T>(a, b, [&](T x, T y) { return static_cast<T>(op(x, y)); });
  });
}

template <typename T>
T divide(T x, T y) {
  if constexpr (std::is_integral_v<T>)
    if (y == 0) throw RuntimeError("integer division by zero");
  return static_cast<T>(x / y);
}

// Integer Mod follows the divisor's sign unless fmod=1 (then C's fmod).
template <typename T>
T modulo(T x, T y, bool fmod) {
  if constexpr (std::is_integral_v<T>) {
    if (y == 0) throw RuntimeError("integer modulo by zero");
    T r = static_cast<T>(x % y);
    if constexpr (std::is_signed_v<T>)
      if (!fmod && r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
    return r;
  } else {
    if (!fmod) throw RuntimeError("Mod of floating-point numbers needs fmod=1");
    return static_cast<T>(std::fmod(x, y));
  }
}

// Comparisons: same type in, bool out.
template <typename Op>
void compare(ExecContext& ctx, Op op) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  same_types(a, b);
  ctx.out[0] = with_type(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return binary<T, bool>(a, b, [&](T x, T y) { return op(x, y); });
  });
}

template <typename Op>
void logical(ExecContext& ctx, Op op) {
  ctx.out[0] = binary<bool>(ctx.input(0), ctx.input(1), op);
}

// Pow: the exponent may have another type; the result has the base's.
void power(ExecContext& ctx) {
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  const Shape out = broadcast_shape(a.shape(), b.shape());
  ctx.out[0] = with_number_type(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    auto& yv = y.values<T>();
    const auto& av = a.values<T>();
    for_each_broadcast<2>(out, {a.shape(), b.shape()}, [&](int64_t i, const auto& o) {
      yv[static_cast<size_t>(i)] = static_cast<T>(
          std::pow(static_cast<double>(av[static_cast<size_t>(o[0])]), b.as_double(o[1])));
    });
    return y;
  });
}

void where(ExecContext& ctx) {
  const Tensor &c = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2);
  same_types(x, y);
  const Shape out = broadcast_shape(c.shape(), broadcast_shape(x.shape(), y.shape()));
  const auto& cv = c.values<bool>();
  ctx.out[0] = with_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor r(dtype_of<T>(), out);
    auto& rv = r.values<T>();
    const auto &xv = x.values<T>(), &yv = y.values<T>();
    for_each_broadcast<3>(out, {c.shape(), x.shape(), y.shape()}, [&](int64_t i, const auto& o) {
      rv[static_cast<size_t>(i)] = cv[static_cast<size_t>(o[0])] ? xv[static_cast<size_t>(o[1])]
                                                                 : yv[static_cast<size_t>(o[2])];
    });
    return r;
  });
}

// Min, Max, Sum, Mean: any number of broadcast inputs.
template <typename Op>
void variadic(ExecContext& ctx, Op op, bool mean) {
  if (ctx.in.empty()) throw RuntimeError("needs at least one input");
  Tensor acc = ctx.input(0);
  for (size_t i = 1; i < ctx.in.size(); ++i) {
    same_types(acc, ctx.input(i));
    acc = with_number_type(acc.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return binary<T>(acc, ctx.input(i), [&](T x, T y) { return static_cast<T>(op(x, y)); });
    });
  }
  if (mean)
    with_number_type(acc.dtype(), [&](auto tag) {
      using T = decltype(tag);
      for (auto& v : acc.values<T>()) v = static_cast<T>(v / static_cast<T>(ctx.in.size()));
    });
  ctx.out[0] = std::move(acc);
}

// A float function of each element (float or double tensors).
template <typename Op>
void unary_float(ExecContext& ctx, Op op) {
  Tensor y = ctx.input(0);
  with_float_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (T& v : y.values<T>()) v = static_cast<T>(op(static_cast<double>(v)));
  });
  ctx.out[0] = std::move(y);
}

// A function of each element on every number type (Neg, Abs, Sign, Relu).
template <typename Op>
void unary_number(ExecContext& ctx, Op op) {
  Tensor y = ctx.input(0);
  with_number_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for (T& v : y.values<T>()) v = static_cast<T>(op(v));
  });
  ctx.out[0] = std::move(y);
}

template <typename Op>
void float_predicate(ExecContext& ctx, Op op) {
  const Tensor& x = ctx.input(0);
  Tensor y(DType::kBool, x.shape());
  auto& yv = y.values<bool>();
  for (int64_t i = 0; i < x.size(); ++i) yv[static_cast<size_t>(i)] = op(x.as_double(i));
  ctx.out[0] = std::move(y);
}

void clip(ExecContext& ctx) {
  Tensor y = ctx.input(0);
  with_number_type(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
    if (ctx.opset < 11) {  // bounds were attributes before opset 11
      lo = static_cast<T>(std::max<double>(lo, ctx.node.attr_float("min", -INFINITY)));
      hi = static_cast<T>(std::min<double>(hi, ctx.node.attr_float("max", INFINITY)));
    }
    if (ctx.has_input(1)) lo = ctx.input(1).values<T>().at(0);
    if (ctx.has_input(2)) hi = ctx.input(2).values<T>().at(0);
    for (T& v : y.values<T>()) v = std::min(std::max(v, lo), hi);
  });
  ctx.out[0] = std::move(y);
}

// PRelu broadcasts the slope to the input; a 1-D slope of one value per
// channel that does not broadcast is taken per channel (axis 1), as the
// pre-opset-7 form and PyTorch's exports mean it.
void prelu(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor slope = ctx.input(1);
  if (slope.rank() == 1 && x.rank() > 2 && slope.size() == x.shape()[1] &&
      slope.size() != x.shape().back()) {
    Shape s(x.rank() - 1, 1);
    s[0] = slope.size();
    slope.reshape(s);
  }
  same_types(x, slope);
  ctx.out[0] = with_number_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return binary<T>(x, slope, [](T v, T a) { return v < 0 ? static_cast<T>(a * v) : v; });
  });
}

double sign(double v) {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

// The elementwise functions that take one float and attributes.
void add_float_functions(std::map<std::string, KernelFn>& t) {
  t["Sigmoid"] = [](ExecContext& c) {
    unary_float(c, [](double v) { return 1 / (1 + std::exp(-v)); });
  };
  t["Tanh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::tanh(v); }); };
  t["Exp"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::exp(v); }); };
  t["Log"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::log(v); }); };
  t["Sqrt"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::sqrt(v); }); };
  t["Reciprocal"] = [](ExecContext& c) { unary_float(c, [](double v) { return 1 / v; }); };
  t["Floor"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::floor(v); }); };
  t["Ceil"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::ceil(v); }); };
  // Round halves to even, as numpy and ONNX do.
  t["Round"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::nearbyint(v); }); };
  t["Erf"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::erf(v); }); };
  t["Sin"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::sin(v); }); };
  t["Cos"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::cos(v); }); };
  t["Tan"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::tan(v); }); };
  t["Asin"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::asin(v); }); };
  t["Acos"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::acos(v); }); };
  t["Atan"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::atan(v); }); };
  t["Sinh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::sinh(v); }); };
  t["Cosh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::cosh(v); }); };
  t["Asinh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::asinh(v); }); };
  t["Acosh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::acosh(v); }); };
  t["Atanh"] = [](ExecContext& c) { unary_float(c, [](double v) { return std::atanh(v); }); };
  t["Softplus"] = [](ExecContext& c) {
    unary_float(c, [](double v) { return std::log1p(std::exp(v)); });
  };
  t["Softsign"] = [](ExecContext& c) {
    unary_float(c, [](double v) { return v / (1 + std::abs(v)); });
  };
  t["Mish"] = [](ExecContext& c) {
    unary_float(c, [](double v) { return v * std::tanh(std::log1p(std::exp(v))); });
  };
  t["LeakyRelu"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 0.01f);
    unary_float(c, [a](double v) { return v >= 0 ? v : a * v; });
  };
  t["Elu"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 1.0f);
    unary_float(c, [a](double v) { return v >= 0 ? v : a * (std::exp(v) - 1); });
  };
  t["Celu"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 1.0f);
    unary_float(
        c, [a](double v) { return std::max(0.0, v) + std::min(0.0, a * (std::exp(v / a) - 1)); });
  };
  t["Selu"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 1.67326319217681884765625f),
                 g = c.node.attr_float("gamma", 1.05070102214813232421875f);
    unary_float(c, [a, g](double v) { return v > 0 ? g * v : g * a * (std::exp(v) - 1); });
  };
  t["ThresholdedRelu"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 1.0f);
    unary_float(c, [a](double v) { return v > a ? v : 0; });
  };
  t["HardSigmoid"] = [](ExecContext& c) {
    const double a = c.node.attr_float("alpha", 0.2f), b = c.node.attr_float("beta", 0.5f);
    unary_float(c, [a, b](double v) { return std::clamp(a * v + b, 0.0, 1.0); });
  };
  // x * HardSigmoid(x) with alpha 1/6, beta 1/2 (MobileNetV3).
  t["HardSwish"] = [](ExecContext& c) {
    unary_float(c, [](double v) { return v * std::clamp(v / 6 + 0.5, 0.0, 1.0); });
  };
  t["Shrink"] = [](ExecContext& c) {
    const double l = c.node.attr_float("lambd", 0.5f), b = c.node.attr_float("bias", 0);
    unary_float(c, [l, b](double v) { return v < -l ? v + b : v > l ? v - b : 0; });
  };
  t["IsNaN"] = [](ExecContext& c) { float_predicate(c, [](double v) { return std::isnan(v); }); };
  t["IsInf"] = [](ExecContext& c) {
    const bool neg = c.node.attr_int("detect_negative", 1),
               pos = c.node.attr_int("detect_positive", 1);
    float_predicate(c, [=](double v) { return std::isinf(v) && (v > 0 ? pos : neg); });
  };
}

}  // namespace

void add_elementwise_kernels(std::map<std::string, KernelFn>& t) {
  t["Add"] = [](ExecContext& c) { arithmetic(c, [](auto x, auto y) { return x + y; }); };
  t["Sub"] = [](ExecContext& c) { arithmetic(c, [](auto x, auto y) { return x - y; }); };
  t["Mul"] = [](ExecContext& c) { arithmetic(c, [](auto x, auto y) { return x * y; }); };
  t["Div"] = [](ExecContext& c) { arithmetic(c, [](auto x, auto y) { return divide(x, y); }); };
  t["Mod"] = [](ExecContext& c) {
    const bool f = c.node.attr_int("fmod", 0) != 0;
    arithmetic(c, [f](auto x, auto y) { return modulo(x, y, f); });
  };
  t["PRelu"] = prelu;
  t["Pow"] = power;
  t["Equal"] = [](ExecContext& c) { compare(c, [](auto x, auto y) { return x == y; }); };
  t["Less"] = [](ExecContext& c) { compare(c, [](auto x, auto y) { return x < y; }); };
  t["LessOrEqual"] = [](ExecContext& c) { compare(c, [](auto x, auto y) { return x <= y; }); };
  t["Greater"] = [](ExecContext& c) { compare(c, [](auto x, auto y) { return x > y; }); };
  t["GreaterOrEqual"] = [](ExecContext& c) { compare(c, [](auto x, auto y) { return x >= y; }); };
  t["And"] = [](ExecContext& c) { logical(c, [](bool x, bool y) { return x && y; }); };
  t["Or"] = [](ExecContext& c) { logical(c, [](bool x, bool y) { return x || y; }); };
  t["Xor"] = [](ExecContext& c) { logical(c, [](bool x, bool y) { return x != y; }); };
  t["Not"] = [](ExecContext& c) {
    Tensor y = c.input(0);
    y.values<bool>().flip();
    c.out[0] = std::move(y);
  };
  t["Where"] = where;
  t["Min"] = [](ExecContext& c) {
    variadic(
        c, [](auto x, auto y) { return std::min(x, y); }, false);
  };
  t["Max"] = [](ExecContext& c) {
    variadic(
        c, [](auto x, auto y) { return std::max(x, y); }, false);
  };
  t["Sum"] = [](ExecContext& c) {
    variadic(
        c, [](auto x, auto y) { return x + y; }, false);
  };
  t["Mean"] = [](ExecContext& c) {
    variadic(
        c, [](auto x, auto y) { return x + y; }, true);
  };
  t["Relu"] = [](ExecContext& c) {
    unary_number(c, [](auto v) { return v > 0 ? v : decltype(v){0}; });
  };
  t["Neg"] = [](ExecContext& c) { unary_number(c, [](auto v) { return -v; }); };
  t["Abs"] = [](ExecContext& c) {
    unary_number(c, [](auto v) {
      if constexpr (std::is_unsigned_v<decltype(v)>)
        return v;
      else
        return v < 0 ? -v : v;
    });
  };
  t["Sign"] = [](ExecContext& c) {
    unary_number(c, [](auto v) { return sign(static_cast<double>(v)); });
  };
  t["Clip"] = clip;
  add_float_functions(t);
}

}  // namespace hycim::runtime
