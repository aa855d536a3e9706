// `hycim quantize MODEL.onnx --calibrate INPUTS... -o OUT.onnx [--method M]`:
// runs the model on real inputs (CPU, float), records every activation a
// device operator quantizes, chooses each one's range (min/max, or clipped at
// a percentile or the entropy threshold of its |x| histogram), and writes a
// copy of the model that carries the ranges (metadata hycim.ranges), so later
// runs quantize with them instead of each tensor's own range.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"

namespace {

using namespace hycim;

struct QuantizeOptions {
  std::string model, out;
  std::vector<std::string> calibrate;
  std::string method = "minmax";
  runtime::CalibrationOptions calibration;
  bool percentile_given = false, bins_given = false;
  bool json = false;
};

// Usage errors (exit code 2), found before the model is read: the runtime's
// own messages, prefixed with the flag.
runtime::CalibrationOptions checked_options(const QuantizeOptions& o) {
  runtime::CalibrationOptions c = o.calibration;
  try {
    c.method = runtime::parse_calibration_method(o.method);
  } catch (const runtime::RuntimeError& e) {
    throw cli::CliError(fmt::format("--method: {}", e.what()), 2);
  }
  try {
    runtime::check_calibration_options(c);
  } catch (const runtime::RuntimeError& e) {
    const bool percentile_ok = c.percentile > 0 && c.percentile <= 100;
    throw cli::CliError(fmt::format("{}: {}", percentile_ok ? "--bins" : "--percentile", e.what()),
                        2);
  }
  // A flag the method does not read would be silently ignored otherwise.
  if (o.percentile_given && c.method != runtime::CalibrationMethod::kPercentile)
    throw cli::CliError(
        fmt::format("--percentile applies to --method percentile, not {}", o.method), 2);
  if (o.bins_given && c.method == runtime::CalibrationMethod::kMinMax)
    throw cli::CliError("--bins applies to --method percentile or entropy, not minmax", 2);
  return c;
}

std::string describe(const runtime::CalibrationOptions& c) {
  switch (c.method) {
    case runtime::CalibrationMethod::kPercentile:
      return fmt::format("percentile {:g} %, {} bins", c.percentile, c.bins);
    case runtime::CalibrationMethod::kEntropy:
      return fmt::format("entropy, {} bins", c.bins);
    case runtime::CalibrationMethod::kMinMax:
      break;
  }
  return "minmax";
}

// A calibration file is one sample, or a batch along dimension 0 when the
// model's input has a fixed batch of 1.
std::vector<runtime::TensorMap> samples_of(const runtime::ValueInfo& in, const runtime::Tensor& t) {
  if (in.dims.empty() || in.dims[0] != 1 || t.rank() != in.dims.size() || t.shape()[0] == 1)
    return {{{in.name, t}}};
  std::vector<runtime::TensorMap> out;
  const int64_t per = t.size() / t.shape()[0];
  runtime::Shape one = t.shape();
  one[0] = 1;
  for (int64_t i = 0; i < t.shape()[0]; ++i) {
    runtime::Tensor s(t.dtype(), one);
    for (int64_t j = 0; j < per; ++j) {
      if (t.dtype() != runtime::DType::kFloat)
        throw cli::CliError("calibration batches must be float");
      s.values<float>()[static_cast<size_t>(j)] =
          t.values<float>()[static_cast<size_t>(i * per + j)];
    }
    out.push_back({{in.name, std::move(s)}});
  }
  return out;
}

void quantize(const QuantizeOptions& o) {
  const runtime::CalibrationOptions c = checked_options(o);
  const runtime::Graph g = runtime::load_model(o.model);
  if (g.inputs.size() != 1)
    throw cli::CliError(fmt::format("{}: calibration needs a model with one input", o.model));
  std::vector<runtime::TensorMap> samples;
  for (const auto& f : o.calibrate)
    for (auto& s : samples_of(g.inputs[0], runtime::read_tensor_file(f)))
      samples.push_back(std::move(s));
  const runtime::Ranges r = runtime::calibrate(g, samples, c);
  runtime::save_model_with_metadata(o.model, o.out,
                                    {{runtime::kRangesKey, runtime::ranges_to_json(r)}});
  if (o.json) {
    nlohmann::json ranges = nlohmann::json::object();
    for (const auto& [name, range] : r) ranges[name] = {{"lo", range.lo}, {"hi", range.hi}};
    nlohmann::json j = {{"model", o.model},   {"output", o.out},
                        {"method", o.method}, {"samples", samples.size()},
                        {"ranges", ranges},   {"calibration", describe(c)}};
    if (c.method != runtime::CalibrationMethod::kMinMax) j["bins"] = c.bins;
    if (c.method == runtime::CalibrationMethod::kPercentile) j["percentile"] = c.percentile;
    fmt::print("{}\n", j.dump(2));
    return;
  }
  for (const auto& [name, range] : r)
    fmt::print("  {:<24} [{:.6g}, {:.6g}]\n", name, range.lo, range.hi);
  fmt::print("{}: {} activation ranges from {} samples ({})\n", o.out, r.size(), samples.size(),
             describe(c));
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<QuantizeOptions>();
  auto* c =
      app.add_subcommand("quantize", "Calibrate activation ranges and store them in the model");
  c->add_option("model", opts->model, "ONNX model (float)")->required()->check(CLI::ExistingFile);
  c->add_option("--calibrate", opts->calibrate, "input tensors (.npy or .pb) to calibrate on")
      ->required();
  c->add_option("--output,-o", opts->out, "calibrated model to write")->required();
  c->add_flag("--json", opts->json, "print the ranges chosen and what was written as JSON");
  cli::add_memory_option(c, opts->calibration.max_memory);
  c->add_option("--method", opts->method,
                "how each range is chosen: minmax (the observed range), percentile (clipped "
                "where |x| reaches --percentile % of the values), entropy (clipped at the "
                "TensorRT-style KL threshold of the |x| histogram)")
      ->default_str("minmax");
  c->add_option_function<double>(
       "--percentile",
       [opts](double p) {
         opts->calibration.percentile = p;
         opts->percentile_given = true;
       },
       "share of |x| kept inside the range, in (0, 100] (--method percentile; default 99.99)")
      ->type_name("P");
  c->add_option_function<uint32_t>(
       "--bins",
       [opts](uint32_t b) {
         opts->calibration.bins = b;
         opts->bins_given = true;
       },
       "histogram bins over [0, max|x|], 256 to 16384 (percentile, entropy; default 2048)")
      ->type_name("N");
  c->footer(
      "Methods (docs/runtime.md, \"Quantization\"): minmax keeps each tensor's observed [lo, hi].\n"
      "percentile and entropy run the samples twice, the second time into a histogram of |x|\n"
      "over [0, max|x|], and choose a threshold T among the bin edges i * max|x| / bins:\n"
      "  percentile  the smallest edge with at least P % of the values of |x| below it\n"
      "  entropy     the edge, from 255 (uint8 tensor) or 127 (int8) bins up, minimizing\n"
      "              KL(P || Q) between the histogram clipped there and its 8-bit version\n"
      "The range is then [0, min(hi, T)] for a non-negative tensor, else [max(lo, -T), min(hi, "
      "T)].");
  c->callback([opts] { quantize(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(quantize, setup);
