// `hycim quantize MODEL.onnx --calibrate INPUTS... -o OUT.onnx`: runs the
// model on real inputs (CPU, float), records the range of every activation a
// device operator quantizes, and writes a copy of the model that carries the
// ranges (metadata hycim.ranges), so later runs quantize with them instead of
// each tensor's own range.
#include <fmt/format.h>

#include "host-tools/command_registry.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"

namespace {

using namespace hycim;

struct QuantizeOptions {
  std::string model, out;
  std::vector<std::string> calibrate;
};

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
  const runtime::Graph g = runtime::load_model(o.model);
  if (g.inputs.size() != 1)
    throw cli::CliError(fmt::format("{}: calibration needs a model with one input", o.model));
  std::vector<runtime::TensorMap> samples;
  for (const auto& f : o.calibrate)
    for (auto& s : samples_of(g.inputs[0], runtime::read_tensor_file(f)))
      samples.push_back(std::move(s));
  const runtime::Ranges r = runtime::calibrate(g, samples);
  for (const auto& [name, range] : r)
    fmt::print("  {:<24} [{:.6g}, {:.6g}]\n", name, range.lo, range.hi);
  runtime::save_model_with_metadata(o.model, o.out,
                                    {{runtime::kRangesKey, runtime::ranges_to_json(r)}});
  fmt::print("{}: {} activation ranges from {} samples\n", o.out, r.size(), samples.size());
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<QuantizeOptions>();
  auto* c =
      app.add_subcommand("quantize", "Calibrate activation ranges and store them in the model");
  c->add_option("model", opts->model, "ONNX model (float)")->required()->check(CLI::ExistingFile);
  c->add_option("--calibrate", opts->calibrate, "input tensors (.npy or .pb) to calibrate on")
      ->required();
  c->add_option("--output,-o", opts->out, "calibrated model to write")->required();
  c->callback([opts] { quantize(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(quantize, setup);
