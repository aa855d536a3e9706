// `hycim check-onnx DIR...`: runs ONNX backend-test cases (model.onnx +
// test_data_set_*/input_*.pb, output_*.pb) on the simulated tiles and compares
// with the expected outputs: exactly for integer outputs, within the
// quantization error bound for float ones (docs/runtime.md, "Tolerance").
// One line per case, then "N passed, M failed"; exit code 1 if any failed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "runtime/onnx/onnx_io.hpp"

namespace {

namespace fs = std::filesystem;
using namespace hycim;
using runtime::Tensor;

struct CheckOptions {
  std::vector<std::string> dirs;
  runtime::SessionOptions session;
};

std::vector<fs::path> sorted_glob(const fs::path& dir, const std::string& prefix, bool dirs) {
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

// "" when equal within tolerance, else what differs.
std::string compare(const std::string& name, const Tensor& got, const Tensor& want, double bound,
                    double& max_err, double& max_tol) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape())
    return fmt::format("output '{}': got {} {}, expected {} {}", name,
                       runtime::to_string(got.dtype()), runtime::shape_string(got.shape()),
                       runtime::to_string(want.dtype()), runtime::shape_string(want.shape()));
  const bool exact = want.dtype() != runtime::DType::kFloat;
  for (int64_t i = 0; i < got.size(); ++i) {
    const double g = got.as_double(i), w = want.as_double(i);
    // Float: the quantization bound plus float32 rounding of the host's sums.
    const double tol = exact ? 0.0 : bound + 1e-5 * (1.0 + std::fabs(w));
    max_err = std::max(max_err, std::fabs(g - w));
    max_tol = std::max(max_tol, tol);
    if (std::fabs(g - w) > tol)
      return fmt::format("output '{}' element {}: got {}, expected {} (tolerance {:.3g})", name, i,
                         g, w, tol);
  }
  return "";
}

// Returns "" on success, else the reason; `detail` gets the figures.
std::string check_case(const fs::path& dir, const runtime::SessionOptions& options,
                       std::string& detail) {
  runtime::Session session(runtime::load_model((dir / "model.onnx").string()), options);
  const auto sets = sorted_glob(dir, "test_data_set_", true);
  if (sets.empty()) return "no test_data_set_* folders";
  double max_err = 0, max_tol = 0;
  uint64_t cycles = 0;
  for (const auto& set : sets) {
    runtime::TensorMap inputs;
    const auto in_files = sorted_glob(set, "input_", false);
    const auto& graph_inputs = session.graph().inputs;
    if (in_files.size() != graph_inputs.size())
      return fmt::format("{}: {} input files for {} model inputs", set.filename().string(),
                         in_files.size(), graph_inputs.size());
    for (size_t i = 0; i < in_files.size(); ++i)
      inputs[graph_inputs[i].name] = runtime::read_tensor_pb(in_files[i].string());
    const auto outputs = session.run(inputs);
    cycles += session.last_stats().cycles;
    const auto out_files = sorted_glob(set, "output_", false);
    const auto& graph_outputs = session.graph().outputs;
    if (out_files.size() != graph_outputs.size())
      return fmt::format("{}: {} output files for {} model outputs", set.filename().string(),
                         out_files.size(), graph_outputs.size());
    for (size_t i = 0; i < out_files.size(); ++i) {
      const std::string& name = graph_outputs[i].name;
      auto b = session.error_bounds().find(name);
      const std::string why =
          compare(name, outputs.at(name), runtime::read_tensor_pb(out_files[i].string()),
                  b == session.error_bounds().end() ? 0.0 : b->second, max_err, max_tol);
      if (!why.empty()) return set.filename().string() + ": " + why;
    }
  }
  detail = max_tol == 0 ? fmt::format("exact, {} cycles", cycles)
                        : fmt::format("max error {:.3g} <= tolerance {:.3g}, {} cycles", max_err,
                                      max_tol, cycles);
  return "";
}

void check_onnx(const CheckOptions& o) {
  int passed = 0, failed = 0;
  for (const auto& d : o.dirs) {
    const fs::path dir(d);
    const std::string name =
        dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    std::string detail, why;
    try {
      why = check_case(dir, o.session, detail);
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (why.empty()) {
      ++passed;
      fmt::print("PASS {} ({})\n", name, detail);
    } else {
      ++failed;
      fmt::print("FAIL {}: {}\n", name, why);
    }
    std::fflush(stdout);
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  if (failed) throw cli::CliError(fmt::format("{} of {} cases failed", failed, passed + failed));
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  auto* c =
      app.add_subcommand("check-onnx", "Run ONNX backend-test case folders on the simulated tiles");
  c->add_option("dirs", opts->dirs, "case folders (model.onnx + test_data_set_*)")->required();
  hycim::cli::add_session_options(c, opts->session);
  c->callback([opts] { check_onnx(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(check_onnx, setup);
