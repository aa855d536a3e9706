// `hycim check-onnx DIR...`: runs ONNX backend-test case folders on the
// simulated tiles (runtime/onnx/conformance.hpp) and prints one line per case,
// then "N passed, M failed"; exit code 1 if any failed.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "runtime/onnx/conformance.hpp"

namespace {

using namespace hycim;

struct CheckOptions {
  std::vector<std::string> dirs;
  runtime::SessionOptions session;
  bool json = false;
};

void check_onnx(const CheckOptions& o) {
  int passed = 0, failed = 0;
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& d : o.dirs) {
    const std::filesystem::path dir(d);
    const std::string name = (dir.filename().empty() ? dir.parent_path() : dir).filename().string();
    const runtime::CaseResult r = runtime::check_case(d, o.session);
    if (o.json) {
      (r.passed ? passed : failed)++;
      cases.push_back({{"case", name},
                       {"passed", r.passed},
                       {"reason", r.reason},
                       {"exact", r.exact},
                       {"max_error", r.max_error},
                       {"tolerance", r.max_tolerance},
                       {"cycles", r.cycles}});
      continue;
    }
    if (r.passed) {
      ++passed;
      if (r.exact)
        fmt::print("PASS {} (exact, {} cycles)\n", name, r.cycles);
      else
        fmt::print("PASS {} (max error {:.3g} <= tolerance {:.3g}, {} cycles)\n", name, r.max_error,
                   r.max_tolerance, r.cycles);
    } else {
      ++failed;
      fmt::print("FAIL {}: {}\n", name, r.reason);
    }
    std::fflush(stdout);
  }
  if (o.json)
    fmt::print("{}\n",
               nlohmann::json{{"cases", cases}, {"passed", passed}, {"failed", failed}}.dump(2));
  else
    fmt::print("{} passed, {} failed\n", passed, failed);
  if (failed) throw cli::CliError(fmt::format("{} of {} cases failed", failed, passed + failed));
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  auto* c = app.add_subcommand("check-onnx",
                               "Run ONNX backend-test case folders on the device (default sim://)");
  c->add_option("dirs", opts->dirs, "case folders (model.onnx + test_data_set_*)")->required();
  c->add_flag("--json", opts->json, "print the results as JSON");
  hycim::cli::add_session_options(c, opts->session);
  c->callback([opts] { check_onnx(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(check_onnx, setup);
