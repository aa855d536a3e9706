// Activation calibration: what a calibration run records of each float input
// of a device operator (an ActivationObserver the kernels feed), and how the
// ranges the device quantizes with are chosen from it: the observed min/max,
// or a threshold T on |x| (a percentile of the |x| histogram, or the
// TensorRT-style entropy/KL search) that clips the rare outliers which would
// otherwise stretch the 8-bit range. docs/runtime.md, "Quantization", has the
// conventions; runtime::calibrate (session.hpp) runs the passes.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "runtime/onnx/error.hpp"

namespace hycim::runtime {

struct Range {
  float lo = 0, hi = 0;
  friend bool operator==(const Range&, const Range&) = default;
};
using Ranges = std::map<std::string, Range>;

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy };

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;  // kPercentile: the share of |x| kept inside the range, in (0, 100]
  uint32_t bins = 2048;       // kPercentile, kEntropy: histogram bins over [0, max|x|]
  uint64_t max_memory = 0;    // each calibration run's memory budget (SessionOptions::max_memory)
  std::string budget_hint = kCliBudgetHint;  // as SessionOptions::budget_hint
};

// Bounds of CalibrationOptions::bins. The entropy search needs at least one
// bin per uint8 level (255) and costs O(bins^2) per tensor.
inline constexpr uint32_t kMinCalibrationBins = 256;
inline constexpr uint32_t kMaxCalibrationBins = 16384;

// "minmax", "percentile", "entropy"; any other name throws RuntimeError.
CalibrationMethod parse_calibration_method(const std::string& name);
const char* to_string(CalibrationMethod m);
// Throws RuntimeError naming the option and its value when one is out of range.
void check_calibration_options(const CalibrationOptions& o);

// Receives each float input of a device operator while a session calibrates
// (Session::observe_activations). Calls may come from several threads at once
// (Session::run_many), so implementations lock.
class ActivationObserver {
 public:
  virtual ~ActivationObserver() = default;
  virtual void observe(const std::string& tensor, std::span<const float> values) = 0;
};

// Each tensor's smallest and largest value over every run.
class MinMaxObserver final : public ActivationObserver {
 public:
  void observe(const std::string& tensor, std::span<const float> values) override;
  const Ranges& ranges() const { return ranges_; }

 private:
  std::mutex mu_;
  Ranges ranges_;
};

// A histogram of |x| per tensor over [0, max|x|], max|x| taken from the
// ranges of a first (min/max) pass over the same samples: bin b holds
// b * w <= |x| < (b + 1) * w with w = max|x| / bins, |x| = max|x| in the last.
// Tensors the first pass did not see, or saw with a non-finite or zero bound,
// get no histogram (their range stays the min/max one); NaNs are not counted.
class HistogramObserver final : public ActivationObserver {
 public:
  HistogramObserver(const Ranges& first_pass, uint32_t bins);
  void observe(const std::string& tensor, std::span<const float> values) override;

  struct Histogram {
    double max_abs = 0;
    std::vector<uint64_t> counts;
    uint64_t zeros = 0;  // values exactly 0, counted in counts[0] too
  };
  const std::map<std::string, Histogram>& histograms() const { return hist_; }

 private:
  std::mutex mu_;
  std::map<std::string, Histogram> hist_;
};

// The thresholds on |x| of one histogram, in the units of the tensor. Each
// returns an upper bin edge e_i = i * max|x| / bins (e_bins = max|x|).
// Smallest e_i with count(|x| < e_i) >= percentile % of all counts
// (bins 0..i-1 hold that many).
double percentile_threshold(const HistogramObserver::Histogram& h, double percentile);
// The e_i, i in [levels, bins], minimizing KL(P || Q): P is bins 0..i-1 with
// the counts of bins i.. added to bin i-1; Q merges bins 0..i-1 (without
// those counts) into `levels` groups of consecutive bins (group g holds bins
// floor(g i / levels) to floor((g + 1) i / levels) - 1) and spreads each
// group's count evenly over the group's bins where P is non-zero. A bin with
// P > 0 and Q = 0 (outliers folded above an empty group) counts half a sample
// in Q, so clipping into an empty gap costs a finite divergence. Exact zeros
// are left out of P and Q: every scale represents them exactly, and the spike
// of a ReLU's zeros would otherwise decide the threshold (it forbids any edge
// that merges bin 0 with the next). Ties keep the smaller edge. `levels` is
// 255 for a uint8 tensor, 127 for an int8 one.
double entropy_threshold(const HistogramObserver::Histogram& h, uint32_t levels);

// The range a tensor with observed [lo, hi] quantizes with given threshold T
// on |x|: [0, min(hi, T)] when lo >= 0 (uint8), else [max(lo, -T), min(hi, T)]
// (int8, symmetric in choose_act_quant).
Range clip_range(const Range& observed, double threshold);

// The ranges `method` chooses from a min/max pass and, for percentile and
// entropy, the histogram pass over the same samples.
Ranges choose_ranges(const Ranges& minmax, const HistogramObserver* histograms,
                     const CalibrationOptions& o);

}  // namespace hycim::runtime
