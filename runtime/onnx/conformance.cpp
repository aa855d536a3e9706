#include "runtime/onnx/conformance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "runtime/onnx/onnx_io.hpp"

namespace hycim::runtime {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> sorted_entries(const fs::path& dir, const std::string& prefix, bool dirs) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() == dirs && e.path().filename().string().rfind(prefix, 0) == 0)
      out.push_back(e.path());
  // input_10 sorts after input_9: compare by length first.
  std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
    const auto sa = a.filename().string(), sb = b.filename().string();
    return sa.size() != sb.size() ? sa.size() < sb.size() : sa < sb;
  });
  return out;
}

// The tolerance ONNX's backend test runner gives every case of the device
// operators (its defaults: |got - expected| <= atol + rtol |expected|).
constexpr double kOnnxRtol = 1e-3, kOnnxAtol = 1e-7;
// How much looser than ONNX's tolerance, taken at the output's largest
// |expected|, the quantization bound may be: 300 x 1e-3 is 30 % of that
// largest value. The claimed cases' bounds are 2.7 to 142 times ONNX's
// tolerance (docs/runtime.md, "Tolerance"), so a bound grown tenfold fails
// some and one grown a hundredfold nearly all.
constexpr double kBoundOverOnnx = 300;

// The bound comes from the session under test, so it is not trusted alone:
// "" when it is within kBoundOverOnnx of ONNX's own tolerance, else why not.
std::string check_bound(const std::string& name, const Tensor& want, double bound) {
  double largest = 0;
  for (int64_t i = 0; i < want.size(); ++i)
    if (std::isfinite(want.as_double(i))) largest = std::max(largest, std::fabs(want.as_double(i)));
  const double cap = kBoundOverOnnx * (kOnnxAtol + kOnnxRtol * largest);
  if (bound <= cap) return "";
  return fmt::format(
      "output '{}': error bound {:.3g} is more than {} x ONNX's tolerance at its largest "
      "|expected| {:.3g}",
      name, bound, kBoundOverOnnx, largest);
}

// "" when equal within tolerance, else what differs.
std::string compare(const std::string& name, const Tensor& got, const Tensor& want, double bound,
                    CaseResult& r) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return fmt::format("output '{}': got {} {}, expected {} {}", name, to_string(got.dtype()),
                       shape_string(got.shape()), to_string(want.dtype()),
                       shape_string(want.shape()));
  const bool exact = want.dtype() != DType::kFloat && want.dtype() != DType::kDouble;
  r.exact = r.exact && exact;
  if (!exact && bound > 0) {
    const std::string why = check_bound(name, want, bound);
    if (!why.empty()) return why;
  }
  for (int64_t i = 0; i < got.size(); ++i) {
    const double g = got.as_double(i), w = want.as_double(i);
    // Float: the quantization bound plus float32 rounding of the host's sums.
    const double tol = exact ? 0.0 : bound + 1e-5 * (1.0 + std::fabs(w));
    if (std::isnan(g) && std::isnan(w)) continue;  // NaN where the reference has NaN
    r.max_error = std::max(r.max_error, std::fabs(g - w));
    r.max_tolerance = std::max(r.max_tolerance, tol);
    if (!(std::fabs(g - w) <= tol))
      return fmt::format("output '{}' element {}: got {}, expected {} (tolerance {:.3g})", name, i,
                         g, w, tol);
  }
  return "";
}

std::string run_set(Session& s, const fs::path& set, CaseResult& r) {
  const std::string label = set.filename().string();
  const auto in_files = sorted_entries(set, "input_", false);
  const auto& gi = s.graph().inputs;
  if (in_files.size() != gi.size())
    return fmt::format("{}: {} input files for {} model inputs", label, in_files.size(), gi.size());
  TensorMap inputs;
  for (size_t i = 0; i < in_files.size(); ++i)
    inputs[gi[i].name] = read_tensor_pb(in_files[i].string());
  const TensorMap outputs = s.run(inputs);
  r.cycles += s.last_stats().cycles;
  const auto out_files = sorted_entries(set, "output_", false);
  const auto& go = s.graph().outputs;
  if (out_files.size() != go.size())
    return fmt::format("{}: {} output files for {} model outputs", label, out_files.size(),
                       go.size());
  for (size_t i = 0; i < out_files.size(); ++i) {
    auto b = s.error_bounds().find(go[i].name);
    const double bound = b == s.error_bounds().end() ? 0.0 : b->second;
    const std::string why = compare(go[i].name, outputs.at(go[i].name),
                                    read_tensor_pb(out_files[i].string()), bound, r);
    if (!why.empty()) return label + ": " + why;
  }
  return "";
}

}  // namespace

CaseResult check_case(const std::string& dir, const SessionOptions& options) {
  return check_case(dir, [&] { return make_backend(options); });
}

CaseResult check_case(const std::string& dir,
                      const std::function<std::unique_ptr<Backend>()>& make) {
  CaseResult r;
  try {
    Session s(load_model((fs::path(dir) / "model.onnx").string()), make());
    const auto sets = sorted_entries(dir, "test_data_set_", true);
    if (sets.empty()) r.reason = "no test_data_set_* folders";
    for (const auto& set : sets)
      if (r.reason.empty()) r.reason = run_set(s, set, r);
  } catch (const std::exception& e) {
    r.reason = e.what();
  }
  r.passed = r.reason.empty();
  return r;
}

}  // namespace hycim::runtime
