#include "runtime/onnx/calibration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/onnx/session.hpp"

namespace hycim::runtime {
namespace {

// Upper edge of bin i - 1; the last is max|x| itself, so a threshold that
// clips nothing gives exactly the min/max range.
double edge(const HistogramObserver::Histogram& h, size_t i) {
  const size_t bins = h.counts.size();
  return i >= bins ? h.max_abs : h.max_abs * static_cast<double>(i) / static_cast<double>(bins);
}

}  // namespace

CalibrationMethod parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "entropy") return CalibrationMethod::kEntropy;
  throw RuntimeError(fmt::format(
      "unknown calibration method '{}' (expected minmax, percentile or entropy)", name));
}

const char* to_string(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kEntropy:
      return "entropy";
  }
  return "?";
}

void check_calibration_options(const CalibrationOptions& o) {
  // Written so that NaN fails too.
  if (!(o.percentile > 0 && o.percentile <= 100))
    throw RuntimeError(
        fmt::format("calibration percentile {}: expected a value in (0, 100]", o.percentile));
  if (o.bins < kMinCalibrationBins || o.bins > kMaxCalibrationBins)
    throw RuntimeError(fmt::format("calibration bins {}: expected {} to {}", o.bins,
                                   kMinCalibrationBins, kMaxCalibrationBins));
}

void MinMaxObserver::observe(const std::string& tensor, std::span<const float> values) {
  std::lock_guard lock(mu_);
  // A tensor first seen empty keeps [0, 0] as its start, as calibration
  // always has: later values widen it from there.
  auto [it, fresh] = ranges_.try_emplace(tensor, Range{0, 0});
  if (values.empty()) return;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  it->second.lo = fresh ? *lo : std::min(it->second.lo, *lo);
  it->second.hi = fresh ? *hi : std::max(it->second.hi, *hi);
}

HistogramObserver::HistogramObserver(const Ranges& first_pass, uint32_t bins) {
  for (const auto& [name, r] : first_pass) {
    const double m = std::max(std::fabs(double{r.lo}), std::fabs(double{r.hi}));
    if (std::isfinite(m) && m > 0) hist_[name] = Histogram{m, std::vector<uint64_t>(bins, 0)};
  }
}

void HistogramObserver::observe(const std::string& tensor, std::span<const float> values) {
  std::lock_guard lock(mu_);
  auto it = hist_.find(tensor);
  if (it == hist_.end()) return;
  Histogram& h = it->second;
  const auto bins = static_cast<double>(h.counts.size());
  const size_t last = h.counts.size() - 1;
  for (const float v : values) {
    const double a = std::fabs(double{v});
    if (std::isnan(a)) continue;
    if (a == 0) ++h.zeros;
    // |x| * bins / max|x| in that order: a value on a bin edge divides
    // exactly (the product is exact for a float and a bin count below 2^29)
    // and lands in the bin above, as the convention says. Clamped: a value
    // above the first pass's bound (none when both passes see the same
    // samples) counts in the last bin.
    const double b = std::floor(a * bins / h.max_abs);
    ++h.counts[b >= static_cast<double>(last) ? last : static_cast<size_t>(b)];
  }
}

double percentile_threshold(const HistogramObserver::Histogram& h, double percentile) {
  uint64_t total = 0;
  for (const uint64_t c : h.counts) total += c;
  if (total == 0) return h.max_abs;
  const double want = percentile * static_cast<double>(total);
  uint64_t cum = 0;
  for (size_t b = 0; b < h.counts.size(); ++b) {
    cum += h.counts[b];
    if (static_cast<double>(cum) * 100.0 >= want) return edge(h, b + 1);
  }
  return h.max_abs;
}

double entropy_threshold(const HistogramObserver::Histogram& h, uint32_t levels) {
  std::vector<uint64_t> c = h.counts;
  const size_t bins = c.size();
  if (bins > 0) c[0] -= std::min(c[0], h.zeros);
  if (levels == 0 || bins < levels) return h.max_abs;
  // prefix[i]: counts in bins 0..i-1; nonzero[i]: how many of them are non-zero.
  std::vector<uint64_t> prefix(bins + 1, 0), nonzero(bins + 1, 0);
  for (size_t b = 0; b < bins; ++b) {
    prefix[b + 1] = prefix[b] + c[b];
    nonzero[b + 1] = nonzero[b] + (c[b] != 0);
  }
  const uint64_t total = prefix[bins];
  if (total == 0) return h.max_abs;
  const double n = static_cast<double>(total);
  double best = std::numeric_limits<double>::infinity();
  size_t best_i = bins;
  for (size_t i = levels; i <= bins; ++i) {
    const uint64_t outliers = total - prefix[i];
    const uint64_t kept = prefix[i];
    // Q is normalized by what the clipped slice holds; with nothing below
    // the edge there is no distribution to compare with.
    if (kept == 0) continue;
    const double m = static_cast<double>(kept);
    double kl = 0;
    for (size_t g = 0; g < levels; ++g) {
      const size_t start = g * i / levels, end = (g + 1) * i / levels;
      const uint64_t mass = prefix[end] - prefix[start];
      uint64_t support = nonzero[end] - nonzero[start];
      // The folded outliers make the edge bin part of P's support.
      const bool folded = end == i && outliers > 0 && c[i - 1] == 0;
      if (folded) ++support;
      if (support == 0) continue;
      const double q = mass > 0 ? static_cast<double>(mass) / static_cast<double>(support) : 0.5;
      for (size_t b = start; b < end; ++b) {
        const uint64_t pc = c[b] + (b == i - 1 ? outliers : 0);
        if (pc == 0) continue;
        const double p = static_cast<double>(pc) / n;
        kl += p * std::log(p / (q / m));
      }
    }
    if (kl < best) {
      best = kl;
      best_i = i;
    }
  }
  return edge(h, best_i);
}

Range clip_range(const Range& observed, double threshold) {
  const auto t = static_cast<float>(threshold);
  if (observed.lo >= 0) return Range{0, std::min(observed.hi, t)};
  return Range{std::max(observed.lo, -t), std::min(observed.hi, t)};
}

Ranges choose_ranges(const Ranges& minmax, const HistogramObserver* histograms,
                     const CalibrationOptions& o) {
  if (o.method == CalibrationMethod::kMinMax || !histograms) return minmax;
  Ranges out;
  for (const auto& [name, r] : minmax) {
    auto it = histograms->histograms().find(name);
    if (it == histograms->histograms().end()) {
      out[name] = r;
      continue;
    }
    const double t = o.method == CalibrationMethod::kPercentile
                         ? percentile_threshold(it->second, o.percentile)
                         : entropy_threshold(it->second, r.lo >= 0 ? 255 : 127);
    out[name] = clip_range(r, t);
  }
  return out;
}

Ranges calibrate(const Graph& graph, const std::vector<TensorMap>& samples,
                 const CalibrationOptions& options) {
  check_calibration_options(options);
  Session s(graph, make_cpu_backend(), options.max_memory, options.budget_hint);
  MinMaxObserver minmax;
  s.observe_activations(&minmax);
  for (const TensorMap& m : samples) s.run(m);
  if (options.method == CalibrationMethod::kMinMax) return minmax.ranges();
  // The float model on the CPU is deterministic, so the second pass sees
  // the values the first bounded.
  HistogramObserver hist(minmax.ranges(), options.bins);
  s.observe_activations(&hist);
  for (const TensorMap& m : samples) s.run(m);
  s.observe_activations(nullptr);
  return choose_ranges(minmax.ranges(), &hist, options);
}

}  // namespace hycim::runtime
