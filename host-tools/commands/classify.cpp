// `hycim classify [DIR]`: the end-to-end example. Loads DIR/model.onnx (the
// digits MLP of scripts/train_digits.py by default), calibrates its activation
// ranges on DIR/calib_x.npy unless the model carries them, programs its weights
// into the simulated tiles' NVM, classifies DIR/test_x.npy and prints accuracy
// on the device next to the float model's (CPU), with cycles and simulated
// time per inference.
#include "runtime/onnx/classify.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "host-tools/progress.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"

namespace {

using namespace hycim;
namespace fs = std::filesystem;

struct ClassifyOptions {
  std::string dir = "models/digits";
  runtime::SessionOptions session;
  size_t batch = 1, pipeline = 1;
  bool plan = false, json = false;
  double max_drop = -1;
};

// Counts a session's runs for `bar`: a run ends when its last node has.
void count_runs(runtime::Session& s, cli::Progress& bar) {
  if (!bar.enabled()) return;
  auto runs = std::make_shared<uint64_t>(0);
  s.on_node([&bar, runs](size_t done, size_t nodes, const std::string&) {
    if (done == nodes) bar.update(++*runs);
  });
}

void classify(const ClassifyOptions& o) {
  const fs::path dir(o.dir);
  const runtime::Graph g = runtime::load_model((dir / "model.onnx").string());
  const runtime::Tensor x = runtime::read_npy((dir / "test_x.npy").string());
  const runtime::Tensor y = runtime::read_npy((dir / "test_y.npy").string());
  const uint64_t runs =
      x.rank() ? (static_cast<uint64_t>(x.shape()[0]) + o.batch - 1) / o.batch : 0;
  cli::Progress bar("classify: float on the CPU", runs, cli::progress_wanted(o.json));

  runtime::Session cpu(g, runtime::make_cpu_backend(), o.session.max_memory);
  count_runs(cpu, bar);
  const auto f = runtime::classify(cpu, x, y, o.batch);
  runtime::Session dev(g, o.session);
  if (dev.ranges().empty() && fs::exists(dir / "calib_x.npy")) {
    const runtime::Tensor calib = runtime::read_npy((dir / "calib_x.npy").string());
    runtime::CalibrationOptions c;
    c.max_memory = o.session.max_memory;
    dev.set_ranges(runtime::calibrate(g, {{{g.inputs.at(0).name, calib}}}, c));
  }
  uint64_t placed_cycles = 0;
  if (o.pipeline > 1 && o.session.backend != "cpu") {
    dev.load();  // weights first, so the pipelined figures are inference only
    placed_cycles = dev.last_stats().program_cycles;
  }
  runtime::ClassifyResult d;
  if (o.pipeline > 1) {
    // Session::run_many reports no node as it goes: the bar shows the time.
    bar.phase("classify: on the device, pipelined", 0);
    cli::ProgressTicker ticker(bar, 0);
    d = runtime::classify(dev, x, y, o.batch, o.pipeline);
  } else {
    bar.phase("classify: int8 on the device", runs);
    count_runs(dev, bar);
    d = runtime::classify(dev, x, y, o.batch, o.pipeline);
  }
  bar.finish();
  d.program_cycles += placed_cycles;
  const double drop = 100 * (f.accuracy() - d.accuracy());
  if (o.json) {
    const auto r = dev.residency();
    fmt::print("{}\n", nlohmann::json{{"model", (dir / "model.onnx").string()},
                                      {"device", dev.device()},
                                      {"samples", d.samples},
                                      {"batch", o.batch},
                                      {"pipeline", o.pipeline},
                                      {"float_accuracy", f.accuracy()},
                                      {"device_accuracy", d.accuracy()},
                                      {"cycles_per_inference", d.cycles_per_inference},
                                      {"tile_cycles_per_inference", d.tile_cycles_per_inference},
                                      {"sim_us_per_inference", d.sim_us_per_inference},
                                      {"energy_nj_per_inference", d.energy_nj_per_inference},
                                      {"program_cycles", d.program_cycles},
                                      {"blocks_programmed", r ? r->blocks_programmed : 0},
                                      {"blocks_found", r ? r->blocks_found : 0},
                                      {"device_inferences_per_s", d.samples / d.host_seconds},
                                      {"cpu_inferences_per_s", f.samples / f.host_seconds}}
                           .dump(2));
  } else {
    fmt::print("hycim classify: {} ({} test samples, batch {}{})\n", (dir / "model.onnx").string(),
               d.samples, o.batch,
               o.pipeline > 1 ? fmt::format(", {} requests in flight", o.pipeline) : "");
    fmt::print("  device: {}\n", dev.device());
    fmt::print("  float accuracy (CPU executor):  {:.2f}%  ({}/{})\n", 100 * f.accuracy(),
               f.correct, f.samples);
    fmt::print("  device accuracy (int8 on CIM):  {:.2f}%  ({}/{})\n", 100 * d.accuracy(),
               d.correct, d.samples);
    if (o.pipeline > 1)
      fmt::print(
          "  per inference: {:.0f} MVM cycles over all tiles, {:.2f} us simulated (pipelined, {} "
          "device batches), {:.2f} nJ\n",
          d.tile_cycles_per_inference, d.sim_us_per_inference, d.device_batches,
          d.energy_nj_per_inference);
    else
      fmt::print(
          "  per inference: {:.0f} cycles latency, {:.0f} MVM cycles over all tiles, {:.2f} us "
          "simulated, {:.2f} nJ\n",
          d.cycles_per_inference, d.tile_cycles_per_inference, d.sim_us_per_inference,
          d.energy_nj_per_inference);
    if (const auto r = dev.residency())
      fmt::print(
          "  weights in NVM: {} blocks programmed ({} rows, {} cycles), {} found resident ({} "
          "rows)\n",
          r->blocks_programmed, r->rows_programmed, d.program_cycles, r->blocks_found,
          r->rows_found);
    fmt::print("  host: {:.0f} inferences/s on the device, {:.0f}/s on the CPU executor\n",
               d.samples / d.host_seconds, f.samples / f.host_seconds);
    if (o.plan) fmt::print("{}", dev.plan());
  }
  if (o.max_drop >= 0 && drop > o.max_drop)
    throw cli::CliError(
        fmt::format("accuracy drop {:.2f} points exceeds --max-drop {}", drop, o.max_drop));
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<ClassifyOptions>();
  auto* c =
      app.add_subcommand("classify", "Classify a test set on the device (the digits example)");
  c->add_option("dir", opts->dir, "folder with model.onnx, test_x.npy, test_y.npy[, calib_x.npy]")
      ->check(CLI::ExistingDirectory);
  c->add_option("--batch", opts->batch, "inputs per run")->check(CLI::Range(1, 100000));
  c->add_option("--pipeline", opts->pipeline,
                "runs in flight at once: their layers overlap on the device (1: one at a time)")
      ->check(CLI::Range(1, 256));
  c->add_flag("--plan", opts->plan, "print which tile holds which weight block");
  c->add_flag("--json", opts->json, "print the figures as JSON");
  c->add_option("--max-drop", opts->max_drop,
                "fail when device accuracy is more than this many points below float");
  hycim::cli::add_session_options(c, opts->session);
  c->callback([opts] { classify(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(classify, setup);
