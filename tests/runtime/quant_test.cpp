// dot_error_bound against a brute-force worst case: the bound every float
// conformance tolerance of the int8 path starts from must hold for every
// input in the calibrated range, and must not be loose by a large factor.
#include "runtime/onnx/quant.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hycim::runtime {
namespace {

// The error of a dot product is a sum of per-term errors, each a function of
// one input alone, so its worst case over a grid of input vectors is the sum
// of each term's worst case on a grid of that input (for either sign).
double worst_dot_error(const std::vector<float>& w, const ActQuant& a, const WeightQuant& q,
                       float lo, float hi) {
  double up = 0, down = 0;
  constexpr int kSteps = 200000;
  for (size_t i = 0; i < w.size(); ++i) {
    const double wq = double(static_cast<int8_t>(q.data[i])) * q.scales[0];
    double most = -1e30, least = 1e30;
    for (int s = 0; s <= kSteps; ++s) {
      const float x = lo + (hi - lo) * float(s) / kSteps;
      uint8_t raw = 0;
      quantize(std::span(&x, 1), a, std::span(&raw, 1));
      const double xq = (a.is_signed ? double(static_cast<int8_t>(raw)) : double(raw)) * a.scale;
      const double e = double(x) * double(w[i]) - xq * wq;
      most = std::max(most, e);
      least = std::min(least, e);
    }
    up += most;
    down += least;
  }
  return std::max(up, -down);
}

struct Case {
  const char* name;
  float lo, hi;
  std::vector<float> w;  // one output column
  double tight;          // worst case / bound at least this
};

TEST(DotErrorBound, HoldsForEveryInputAndIsNearTheWorstCase) {
  // Weights just short of a half step from the grid of their column's scale
  // (1/127 from the column maximum 1.0): their rounding is near the largest.
  const float sw = 1.0f / 127;
  const std::vector<Case> cases = {
      {"signed inputs", -1.0f, 1.0f, {1.0f, 10.49f * sw, -20.49f * sw, 63.49f * sw}, 0.5},
      {"unsigned inputs", 0.0f, 2.0f, {-1.0f, 5.49f * sw, 100.49f * sw}, 0.5},
      // A column's largest weight is exact, so a lone one makes no weight
      // error: the bound's weight terms are then all slack.
      {"one term", -0.5f, 0.25f, {0.7f}, 0.45},
  };
  for (const Case& c : cases) {
    const ActQuant a = choose_act_quant(c.lo, c.hi);
    const WeightQuant q = quantize_weights(c.w, static_cast<uint32_t>(c.w.size()), 1);
    const double bound = dot_error_bound(static_cast<uint32_t>(c.w.size()), a, q);
    const double worst = worst_dot_error(c.w, a, q, c.lo, c.hi);
    EXPECT_LE(worst, bound) << c.name;
    EXPECT_GE(worst, c.tight * bound)
        << c.name << ": the bound is loose (" << bound << " vs " << worst << ")";
  }
}

}  // namespace
}  // namespace hycim::runtime
