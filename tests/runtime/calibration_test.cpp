// Calibration methods against answers worked out by hand: the percentile
// threshold of evenly spread values is a bin edge one can count to; the
// entropy threshold of a Gaussian-like bulk with a few far outliers clips
// the outliers and keeps the bulk; min/max is the observed range, exactly;
// signed tensors get symmetric ranges, all-zero ones finite scales; options
// out of range are refused with messages that name them.
#include "runtime/onnx/calibration.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"

namespace hycim::runtime {
namespace {

const std::string kDir = std::string(HYCIM_SOURCE_DIR) + "/models/digits/";

// y = x . [1]: one device operator whose float input is the graph input, so
// the calibrated range of "x" is a function of the samples alone.
Graph one_matmul() {
  Graph g;
  g.source = "one_matmul";
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {-1, 1}}};
  g.outputs = {{"y", DType::kFloat, {-1, 1}}};
  g.initializers["w"] = Tensor(Shape{1, 1}, std::vector<float>{1});
  g.nodes = {Node{0, "mm", "MatMul", "", {"x", "w"}, {"y"}, {}}};
  return g;
}

TensorMap column(std::vector<float> v) {
  const auto n = static_cast<int64_t>(v.size());
  return {{"x", Tensor(Shape{n, 1}, std::move(v))}};
}

Range range_of_x(const std::vector<TensorMap>& samples, CalibrationMethod m, double p = 99.99,
                 uint32_t bins = 2048) {
  CalibrationOptions o;
  o.method = m;
  o.percentile = p;
  o.bins = bins;
  return calibrate(one_matmul(), samples, o).at("x");
}

std::vector<float> iota(int n, float from) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = from + static_cast<float>(i);
  return v;
}

// Approximately N(0, 1) and the same on every platform: the sum of 12
// uniforms from mt19937 (whose sequence the standard fixes) minus 6.
std::vector<float> gaussian_like(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<float> v(n);
  for (float& x : v) {
    double s = 0;
    for (int k = 0; k < 12; ++k) s += (static_cast<double>(gen()) + 0.5) / 4294967296.0;
    x = static_cast<float>(s - 6);
  }
  return v;
}

// The smallest a with at least q of the |values| <= a.
float abs_quantile(std::vector<float> v, double q) {
  for (float& x : v) x = std::fabs(x);
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1];
}

TEST(Calibration, PercentileOfEvenlySpreadValuesIsTheBinEdgeCountedByHand) {
  // 0, 1, ..., 9999 over 2048 bins of width 9999/2048: edge e_i = i * 9999 /
  // 2048 has the ceil(e_i) values 0..ceil(e_i)-1 below it (no value lies on
  // an edge: 9999 and 2048 are coprime). 99 % is 9900 values: e_2027 =
  // 9896.47 has 9897 below it, e_2028 = 20277972 / 2048 = 9901.353515625
  // has 9902.
  const std::vector<TensorMap> samples = {column(iota(5000, 0)), column(iota(5000, 5000))};
  const Range r = range_of_x(samples, CalibrationMethod::kPercentile, 99);
  EXPECT_EQ(r.lo, 0.0f);
  EXPECT_EQ(r.hi, 9901.353515625f);
  // With one bin per value, 9900 values lie below e_9900 = 9900 * 0.9999.
  EXPECT_EQ(range_of_x(samples, CalibrationMethod::kPercentile, 99, 10000).hi,
            static_cast<float>(9900 * 9999.0 / 10000));
  // 100 % keeps everything: the top edge is max|x| itself.
  EXPECT_EQ(range_of_x(samples, CalibrationMethod::kPercentile, 100).hi, 9999.0f);
  // The default, 99.99 %, needs 9999 values: e_2048 again (e_2047 = 9994.1).
  EXPECT_EQ(range_of_x(samples, CalibrationMethod::kPercentile).hi, 9999.0f);
}

TEST(Calibration, SignedTensorGetsASymmetricRange) {
  // -5000..4999: |x| is 0 once, 1..4999 twice, 5000 once; max|x| = 5000,
  // e_i = i * 5000 / 2048. Below e_2028 = 4951.171875 lie 1 + 2 * 4950 =
  // 9901 values (>= 9900, 99 %), below e_2027 = 4948.73 only 9897.
  const Range r = range_of_x({column(iota(10000, -5000))}, CalibrationMethod::kPercentile, 99);
  EXPECT_EQ(r.lo, -4951.171875f);
  EXPECT_EQ(r.hi, 4951.171875f);
  const ActQuant q = choose_act_quant(r.lo, r.hi);
  EXPECT_TRUE(q.is_signed);
  EXPECT_EQ(q.max_abs, 4951.171875f);
  // A threshold above one side keeps that side's own bound.
  const Range c = clip_range(Range{-10, 2}, 3);
  EXPECT_EQ(c.lo, -3.0f);
  EXPECT_EQ(c.hi, 2.0f);
  EXPECT_EQ(choose_act_quant(c.lo, c.hi).max_abs, 3.0f);
}

TEST(Calibration, EntropyClipsFarOutliersAndKeepsTheBulk) {
  // 20000 values ~ N(0, 1) and four at +-30: min/max spends the int8 range on
  // [-30, 30]. The search starts at e_127 = 127 * 30 / 2048 = 1.86 (one bin
  // per level); the threshold must keep at least 99 % of the bulk and clip
  // the outliers far below 30.
  std::vector<float> bulk = gaussian_like(20000, 1);
  std::vector<float> v = bulk;
  for (float o : {30.0f, -30.0f, 29.0f, -29.5f}) v.push_back(o);
  const Range minmax = range_of_x({column(v)}, CalibrationMethod::kMinMax);
  EXPECT_EQ(minmax.lo, -30.0f);
  EXPECT_EQ(minmax.hi, 30.0f);
  const Range r = range_of_x({column(v)}, CalibrationMethod::kEntropy);
  const float p99 = abs_quantile(bulk, 0.99), top = abs_quantile(bulk, 1.0);
  EXPECT_EQ(r.lo, -r.hi);
  EXPECT_GE(r.hi, p99);
  EXPECT_LE(r.hi, top);
  // The same after a ReLU (uint8, 255 levels), over 8192 bins so that the
  // search starts at e_255 = 255 * 30 / 8192 = 0.93, below the bulk: half the
  // values are exact zeros, which must not pull the threshold down (the
  // spike in bin 0 alone would forbid any edge above e_510 = 1.87).
  std::vector<float> relu, positive;
  for (float x : v) relu.push_back(std::max(x, 0.0f));
  for (float x : bulk)
    if (x > 0) positive.push_back(x);
  const Range u = range_of_x({column(relu)}, CalibrationMethod::kEntropy, 99.99, 8192);
  EXPECT_EQ(u.lo, 0.0f);
  EXPECT_GE(u.hi, abs_quantile(positive, 0.99));
  EXPECT_LE(u.hi, 30.0f / 4);  // 3.45 on this bulk, whose largest value is 3.36
}

TEST(Calibration, EntropyDoesNotClipWhatNeedsNoClipping) {
  // One value repeated: every edge below it leaves nothing to compare, so
  // the range is the tensor's own.
  EXPECT_EQ(range_of_x({column(std::vector<float>(1000, 0.75f))}, CalibrationMethod::kEntropy).hi,
            0.75f);
}

TEST(Calibration, MinMaxIsTheObservedRangeExactly) {
  // Directly: a tensor first seen empty starts from [0, 0].
  MinMaxObserver o;
  o.observe("a", std::vector<float>{3, -1, 2});
  o.observe("a", std::vector<float>{0.5f, 4});
  o.observe("b", std::vector<float>{});
  o.observe("b", std::vector<float>{2, 5});
  EXPECT_EQ(o.ranges().at("a").lo, -1.0f);
  EXPECT_EQ(o.ranges().at("a").hi, 4.0f);
  EXPECT_EQ(o.ranges().at("b").lo, 0.0f);
  EXPECT_EQ(o.ranges().at("b").hi, 5.0f);
  // Through the digits MLP: the input's range is the batch's own, and each
  // hidden ReLU's is that of the float layer computed here.
  const Graph g = load_model(kDir + "model.onnx");
  const Tensor x = read_npy(kDir + "calib_x.npy");
  const Ranges r = calibrate(g, {{{"x", x}}});
  EXPECT_EQ(r, calibrate(g, {{{"x", x}}}, CalibrationOptions{CalibrationMethod::kMinMax}));
  const auto& xv = x.values<float>();
  EXPECT_EQ(r.at("x").lo, *std::min_element(xv.begin(), xv.end()));
  EXPECT_EQ(r.at("x").hi, *std::max_element(xv.begin(), xv.end()));
  const auto& w = g.initializers.at("fc1.weight").values<float>();  // [128, 64]
  const auto& b = g.initializers.at("fc1.bias").values<float>();
  const size_t n = xv.size() / 64;
  double hi = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < 128; ++j) {
      double acc = b[j];
      for (size_t k = 0; k < 64; ++k) acc += double{xv[i * 64 + k]} * double{w[j * 64 + k]};
      hi = std::max(hi, acc);
    }
  EXPECT_EQ(r.at("relu1").lo, 0.0f);
  EXPECT_NEAR(r.at("relu1").hi, hi, 1e-5 * hi);
  EXPECT_EQ(r.size(), 3u);  // x, relu1, relu2: the inputs of the three Gemms
}

TEST(Calibration, AllZeroTensorGetsAFiniteScaleWithEveryMethod) {
  for (const auto m :
       {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    const Range r = range_of_x({column(std::vector<float>(64, 0.0f))}, m);
    EXPECT_EQ(r.lo, 0.0f) << to_string(m);
    EXPECT_EQ(r.hi, 0.0f) << to_string(m);
    const ActQuant q = choose_act_quant(r.lo, r.hi);
    EXPECT_TRUE(std::isfinite(q.scale) && q.scale > 0) << to_string(m);
  }
  // The thresholds of an empty histogram are its bound, not NaN.
  const HistogramObserver::Histogram empty{2.0, std::vector<uint64_t>(256, 0)};
  EXPECT_EQ(percentile_threshold(empty, 50), 2.0);
  EXPECT_EQ(entropy_threshold(empty, 255), 2.0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Calibration, MethodsAndOptionsOutOfRangeAreRefusedByName) {
  EXPECT_EQ(parse_calibration_method("minmax"), CalibrationMethod::kMinMax);
  EXPECT_EQ(parse_calibration_method("percentile"), CalibrationMethod::kPercentile);
  EXPECT_EQ(parse_calibration_method("entropy"), CalibrationMethod::kEntropy);
  EXPECT_EQ(error_of([] { parse_calibration_method("kl"); }),
            "unknown calibration method 'kl' (expected minmax, percentile or entropy)");
  auto check = [](double p, uint32_t bins) {
    return error_of([&] {
      CalibrationOptions o;
      o.percentile = p;
      o.bins = bins;
      check_calibration_options(o);
    });
  };
  EXPECT_EQ(check(99.99, 2048), "(no error)");
  EXPECT_EQ(check(100, 256), "(no error)");
  EXPECT_EQ(check(0, 2048), "calibration percentile 0: expected a value in (0, 100]");
  EXPECT_EQ(check(100.5, 2048), "calibration percentile 100.5: expected a value in (0, 100]");
  EXPECT_EQ(check(std::nan(""), 2048), "calibration percentile nan: expected a value in (0, 100]");
  EXPECT_EQ(check(50, 255), "calibration bins 255: expected 256 to 16384");
  EXPECT_EQ(check(50, 16385), "calibration bins 16385: expected 256 to 16384");
  // calibrate() checks before it runs anything.
  CalibrationOptions bad;
  bad.method = CalibrationMethod::kEntropy;
  bad.bins = 8;
  EXPECT_EQ(error_of([&] { calibrate(one_matmul(), {column({1})}, bad); }),
            "calibration bins 8: expected 256 to 16384");
}

}  // namespace
}  // namespace hycim::runtime
