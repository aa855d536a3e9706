// `hycim run MODEL.onnx --input FILE...`: one inference on the device (or the
// CPU), inputs and outputs as .npy or TensorProto .pb files; `--profile` per
// node, `--trace FILE` a Chrome trace of the run.
// `hycim trace MODEL.onnx --input FILE... [-o trace.json]`: the same run, for
// its Chrome trace (chrome://tracing or ui.perfetto.dev).
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "host-tools/progress.hpp"
#include "runtime/onnx/chrome_trace.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/stats_report.hpp"

namespace {

using namespace hycim;

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs, outputs;
  std::string trace;
  runtime::SessionOptions session;
  bool plan = false, profile = false, json = false, dump_graph = false;
  int runs = 1;  // the stats and trace are of the last run
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
  // With --json the graph is a field of the one document, not text before it.
  const std::string graph = o.dump_graph ? runtime::dump_graph(s.graph(), s.passes()) : "";
  if (o.dump_graph && !o.json) fmt::print("{}", graph);
  if (o.dump_graph && o.inputs.empty()) {  // the graph was what was asked for
    if (o.json) fmt::print("{}\n", nlohmann::json{{"model", o.model}, {"graph", graph}}.dump(2));
    return;
  }
  const auto& gi = s.graph().inputs;
  if (o.inputs.size() != gi.size())
    throw cli::CliError(fmt::format("{} needs {} inputs, got {} --input files", o.model, gi.size(),
                                    o.inputs.size()));
  runtime::TensorMap in;
  for (size_t i = 0; i < gi.size(); ++i) in[gi[i].name] = runtime::read_tensor_file(o.inputs[i]);
  runtime::TensorMap out;
  {
    // One run is one step: a bar only for --runs N.
    cli::Progress bar("run", static_cast<uint64_t>(o.runs),
                      o.runs > 1 && cli::progress_wanted(o.json));
    for (int i = 0; i < o.runs; ++i) {
      out = s.run(in);
      bar.update(static_cast<uint64_t>(i) + 1);
    }
  }
  const auto& go = s.graph().outputs;
  if (!o.outputs.empty() && o.outputs.size() != go.size())
    throw cli::CliError(fmt::format("{} has {} outputs, got {} --output files", o.model, go.size(),
                                    o.outputs.size()));
  for (size_t i = 0; i < o.outputs.size(); ++i)
    runtime::write_tensor_file(o.outputs[i], out.at(go[i].name), go[i].name);
  const auto& st = s.last_stats();
  if (!o.trace.empty()) {
    std::ofstream f(o.trace);
    f << runtime::chrome_trace(st, o.model, s.device()).dump(1) << "\n";
    if (!f) throw cli::CliError(fmt::format("cannot write the trace to {}", o.trace));
  }
  const auto residency = s.residency();
  if (o.json) {
    nlohmann::json j = runtime::run_stats_report(s);
    for (const auto& v : go) j["outputs"][v.name] = runtime::shape_string(out.at(v.name).shape());
    if (!o.trace.empty()) j["trace"] = o.trace;
    if (o.dump_graph) j["graph"] = graph;
    if (o.plan) j["plan"] = s.plan();
    fmt::print("{}\n", j.dump(2));
    return;
  }
  for (const auto& v : go) fmt::print("{}: {}\n", v.name, preview(out.at(v.name)));
  fmt::print(
      "device: {} cycles ({:.2f} us simulated, {:.2f} nJ), {} MVM cycles over all tiles, {} NVM "
      "programming cycles\n",
      st.cycles, st.sim_us, st.energy_pj / 1000, st.tile_cycles, st.program_cycles);
  if (residency) {
    fmt::print("NVM: {} blocks programmed, {} found resident; {} rows written this run\n",
               residency->blocks_programmed, residency->blocks_found, st.nvm_rows_written);
    if (const auto p = s.placement(); p.streamed_rows > 0)
      fmt::print(
          "streaming: {} of {} weight rows through {} tiles, {:.2f} programs per region row per "
          "run ({:.3g} runs to the endurance of {}); {:.2f} us and {:.2f} nJ of NVM programming "
          "this run\n",
          p.streamed_rows, p.weight_rows, p.stream_tiles, p.wear_per_run(), p.lifetime_runs(),
          p.nvm_endurance, st.program_sim_us, st.program_energy_pj / 1000);
  }
  if (o.profile) {
    // "area": how much of the device's array this node kept at work, the
    // tile-cycles its MVMs used over every tile for the node's latency.
    fmt::print("  {:<36} {:<6} {:>8} {:>10} {:>10} {:>6} {:>10} {:>9} {:>10}\n", "node", "where",
               "cycles", "sim us", "energy nJ", "area", "host us", "NVM rows", "prog us");
    for (const auto& l : st.layers) {
      uint64_t busy = 0;
      for (uint64_t c : l.tile_cycles) busy += c;
      const double area = l.cycles && !l.tile_cycles.empty()
                              ? double(busy) / (double(l.cycles) * double(l.tile_cycles.size()))
                              : 0;
      fmt::print(
          "  {:<36.36} {:<6} {:>8} {:>10.3f} {:>10.3f} {:>5.1f}% {:>10.1f} {:>9} {:>10.3f}\n",
          l.node, l.on_device ? "device" : "host", l.cycles, l.sim_ns / 1000, l.energy_pj / 1000,
          100 * area, l.host_us, l.nvm_rows_written, l.program_sim_ns / 1000);
    }
  }
  if (o.plan) fmt::print("{}", s.plan());
}

void add_run_options(CLI::App* c, RunOptions& o) {
  c->add_option("model", o.model, "ONNX model")->required()->check(CLI::ExistingFile);
  c->add_option("--input,-i", o.inputs, "input tensors in graph-input order (.npy or .pb)");
  c->add_option("--runs", o.runs, "run this many times (the first places the weights)")
      ->check(CLI::Range(1, 1000000));
  c->add_flag("--plan", o.plan, "print which tile holds which weight block");
  hycim::cli::add_session_options(c, o.session);
  c->add_flag("--share-weights", o.session.placement.share_weights,
              "share the model's weight blocks in NVM read-only with every owner of the device "
              "(owner=NAME in the URI), so another owner running the same weights uses them");
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  auto* c = app.add_subcommand("run", "Run an ONNX model on the device (or the CPU)");
  add_run_options(c, *opts);
  c->add_option("--output,-o", opts->outputs,
                "files for the outputs in graph-output order (.npy or .pb)");
  c->add_flag("--profile", opts->profile,
              "print cycles, simulated time, energy and the share of the array at work per node "
              "(energies on --tech)");
  c->add_option("--trace", opts->trace, "write a Chrome trace of the (last) run to this file");
  c->add_flag("--json", opts->json, "print stats as JSON");
  c->add_flag("--dump-graph", opts->dump_graph,
              "print the graph after the graph passes and where each node runs (with no "
              "--input, only that)");
  c->callback([opts] { run(*opts); });

  auto topts = std::make_shared<RunOptions>();
  auto* t = app.add_subcommand(
      "trace", "Run an ONNX model and write a Chrome trace (host and simulated device time)");
  add_run_options(t, *topts);
  topts->trace = "trace.json";
  t->add_option("--output,-o", topts->trace, "the trace file (default trace.json)");
  t->add_flag("--json", topts->json, "print the run's stats as JSON, with the trace file");
  t->callback([topts] {
    RunOptions o = *topts;
    o.profile = !o.json;
    run(o);
    if (!o.json) fmt::print("trace: {} (open in chrome://tracing or ui.perfetto.dev)\n", o.trace);
  });
}

}  // namespace

HYCIM_CLI_COMMAND(run, setup);
