// Reductions over axes: ReduceSum/Mean/Max/Min/Prod/SumSquare/L1/L2/LogSum/
// LogSumExp and ArgMin/ArgMax. The axes are an attribute up to opset 12
// (ReduceSum) or 17 (the others) and an optional input after; no axes means
// all of them, unless noop_with_empty_axes asks for the input unchanged.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

struct Reducer {
  double init;
  double (*step)(double acc, double v);
  double (*finish)(double acc, int64_t count);
};

double keep(double acc, int64_t) {
  return acc;
}

const Reducer& reducer(const std::string& op) {
  static const std::map<std::string, Reducer> table = {
      {"ReduceSum", {0, [](double a, double v) { return a + v; }, keep}},
      {"ReduceMean",
       {0, [](double a, double v) { return a + v; },
        [](double a, int64_t n) { return a / static_cast<double>(n); }}},
      {"ReduceMax",
       {-std::numeric_limits<double>::infinity(), [](double a, double v) { return std::max(a, v); },
        keep}},
      {"ReduceMin",
       {std::numeric_limits<double>::infinity(), [](double a, double v) { return std::min(a, v); },
        keep}},
      {"ReduceProd", {1, [](double a, double v) { return a * v; }, keep}},
      {"ReduceSumSquare", {0, [](double a, double v) { return a + v * v; }, keep}},
      {"ReduceL1", {0, [](double a, double v) { return a + std::abs(v); }, keep}},
      {"ReduceL2",
       {0, [](double a, double v) { return a + v * v; },
        [](double a, int64_t) { return std::sqrt(a); }}},
      {"ReduceLogSum",
       {0, [](double a, double v) { return a + v; },
        [](double a, int64_t) { return std::log(a); }}},
      {"ReduceLogSumExp",
       {0, [](double a, double v) { return a + std::exp(v); },
        [](double a, int64_t) { return std::log(a); }}},
  };
  return table.at(op);
}

// The axes a reduction works on, normalized; empty = all.
std::vector<int64_t> reduce_axes(const ExecContext& ctx, size_t rank, bool& noop) {
  const bool axes_input = ctx.node.op_type == "ReduceSum" ? ctx.opset >= 13 : ctx.opset >= 18;
  std::vector<int64_t> axes;
  if (axes_input) {
    if (ctx.has_input(1)) axes = int_list(ctx.input(1));
  } else {
    axes = ctx.node.attr_ints("axes", {});
  }
  noop = axes.empty() && axes_input && ctx.node.attr_int("noop_with_empty_axes", 0) != 0;
  for (auto& a : axes) a = normalize_axis(a, rank);
  return axes;
}

void reduce(ExecContext& ctx) {
  const Tensor& x = ctx.input(0);
  bool noop = false;
  const auto axes = reduce_axes(ctx, x.rank(), noop);
  if (noop) {
    ctx.out[0] = x;
    return;
  }
  const bool keepdims = ctx.node.attr_int("keepdims", 1) != 0;
  Shape kept = x.shape(), out;  // kept: reduced axes set to 1
  for (size_t d = 0; d < kept.size(); ++d) {
    const bool reduced = axes.empty() || std::count(axes.begin(), axes.end(), int64_t(d));
    if (reduced) kept[d] = 1;
    if (!reduced || keepdims) out.push_back(kept[d]);
  }
  const Reducer& r = reducer(ctx.node.op_type);
  std::vector<double> acc(static_cast<size_t>(element_count(kept)), r.init);
  for_each_broadcast<1>(x.shape(), {kept}, [&](int64_t i, const auto& o) {
    acc[static_cast<size_t>(o[0])] = r.step(acc[static_cast<size_t>(o[0])], x.as_double(i));
  });
  const int64_t count = acc.empty() ? 0 : x.size() / static_cast<int64_t>(acc.size());
  ctx.out[0] = with_number_type(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor y(dtype_of<T>(), out);
    auto& yv = y.values<T>();
    for (size_t i = 0; i < acc.size(); ++i) yv[i] = static_cast<T>(r.finish(acc[i], count));
    return y;
  });
}

// ArgMax / ArgMin: the index along `axis` of the first (or last) extreme.
void arg_extreme(ExecContext& ctx, bool max) {
  const Tensor& x = ctx.input(0);
  const size_t axis = static_cast<size_t>(normalize_axis(ctx.node.attr_int("axis", 0), x.rank()));
  const bool keep = ctx.node.attr_int("keepdims", 1) != 0,
             last = ctx.node.attr_int("select_last_index", 0) != 0;
  const auto [outer, len, inner] = around_axis(x.shape(), axis);
  Shape out = x.shape();
  if (keep)
    out[axis] = 1;
  else
    out.erase(out.begin() + static_cast<ptrdiff_t>(axis));
  Tensor y(DType::kInt64, out);
  auto& yv = y.values<int64_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      double bv = x.as_double(o * len * inner + i);
      for (int64_t j = 1; j < len; ++j) {
        const double v = x.as_double((o * len + j) * inner + i);
        if ((max ? v > bv : v < bv) || (last && v == bv)) best = j, bv = v;
      }
      yv[static_cast<size_t>(o * inner + i)] = best;
    }
  ctx.out[0] = std::move(y);
}

}  // namespace

void add_reduce_kernels(std::map<std::string, KernelFn>& t) {
  for (const char* op :
       {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare",
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"})
    t[op] = reduce;
  t["ArgMax"] = [](ExecContext& c) { arg_extreme(c, true); };
  t["ArgMin"] = [](ExecContext& c) { arg_extreme(c, false); };
}

}  // namespace hycim::runtime
