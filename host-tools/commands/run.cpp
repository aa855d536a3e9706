// `hycim run MODEL.onnx --input FILE...`: one inference on the simulated tiles
// (or the CPU), inputs and outputs as .npy or TensorProto .pb files.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"

namespace {

using namespace hycim;

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs, outputs;
  runtime::SessionOptions session;
  bool plan = false, profile = false, json = false;
};

std::string preview(const runtime::Tensor& t) {
  std::vector<std::string> v;
  for (int64_t i = 0; i < std::min<int64_t>(t.size(), 8); ++i)
    v.push_back(fmt::format("{:.6g}", t.as_double(i)));
  return fmt::format("{} {} [{}{}]", runtime::to_string(t.dtype()),
                     runtime::shape_string(t.shape()), fmt::join(v, " "),
                     t.size() > 8 ? " ..." : "");
}

void run(const RunOptions& o) {
  runtime::Session s(runtime::load_model(o.model), o.session);
  const auto& gi = s.graph().inputs;
  if (o.inputs.size() != gi.size())
    throw cli::CliError(fmt::format("{} needs {} inputs, got {} --input files", o.model, gi.size(),
                                    o.inputs.size()));
  runtime::TensorMap in;
  for (size_t i = 0; i < gi.size(); ++i) in[gi[i].name] = runtime::read_tensor_file(o.inputs[i]);
  const auto out = s.run(in);
  const auto& go = s.graph().outputs;
  if (!o.outputs.empty() && o.outputs.size() != go.size())
    throw cli::CliError(fmt::format("{} has {} outputs, got {} --output files", o.model, go.size(),
                                    o.outputs.size()));
  for (size_t i = 0; i < o.outputs.size(); ++i)
    runtime::write_tensor_file(o.outputs[i], out.at(go[i].name), go[i].name);
  const auto& st = s.last_stats();
  if (o.json) {
    nlohmann::json j = {{"cycles", st.cycles},
                        {"tile_cycles", st.tile_cycles},
                        {"program_cycles", st.program_cycles},
                        {"sim_us", st.sim_us},
                        {"energy_pj", st.energy_pj},
                        {"program_energy_pj", st.program_energy_pj}};
    for (const auto& v : go) j["outputs"][v.name] = runtime::shape_string(out.at(v.name).shape());
    for (const auto& l : st.layers)
      j["layers"].push_back({{"node", l.node},
                             {"device", l.on_device},
                             {"cycles", l.cycles},
                             {"host_us", l.host_us}});
    fmt::print("{}\n", j.dump(2));
    return;
  }
  for (const auto& v : go) fmt::print("{}: {}\n", v.name, preview(out.at(v.name)));
  fmt::print(
      "device: {} cycles ({:.2f} us simulated, {:.2f} nJ), {} MVM cycles over all tiles, {} NVM "
      "programming cycles\n",
      st.cycles, st.sim_us, st.energy_pj / 1000, st.tile_cycles, st.program_cycles);
  if (o.profile)
    for (const auto& l : st.layers)
      fmt::print("  {:<40} {:<6} {:>10} cycles {:>10.1f} us host\n", l.node,
                 l.on_device ? "device" : "host", l.cycles, l.host_us);
  if (o.plan) fmt::print("{}", s.plan());
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* c = app.add_subcommand("run", "Run an ONNX model once on the simulated tiles");
  c->add_option("model", opts->model, "ONNX model")->required()->check(CLI::ExistingFile);
  c->add_option("--input,-i", opts->inputs, "input tensors in graph-input order (.npy or .pb)")
      ->required();
  c->add_option("--output,-o", opts->outputs,
                "files for the outputs in graph-output order (.npy or .pb)");
  c->add_flag("--plan", opts->plan, "print which tile holds which weight block");
  c->add_flag("--profile", opts->profile, "print cycles and host time per layer");
  c->add_flag("--json", opts->json, "print stats as JSON");
  hycim::cli::add_session_options(c, opts->session);
  c->callback([opts] { run(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(run, setup);
