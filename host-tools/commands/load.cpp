// `hycim load MODEL.onnx [--device URI]`: quantizes the model's weights, plans
// them onto the device's tiles and programs them into NVM, skipping every
// block already resident (found by content hash in the device's residency
// catalog and checked by reading it back). A later `hycim run` or `classify`
// on the same device, in another process, then programs nothing. With
// --share the blocks are shared read-only with the device's other owners.
// Shows a progress bar when stderr is a terminal.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "host-tools/progress.hpp"
#include "runtime/onnx/onnx_io.hpp"

namespace {

using namespace hycim;

struct LoadOptions {
  std::string model;
  runtime::SessionOptions session;
  bool plan = false, json = false;
};

void load(const LoadOptions& o) {
  runtime::Session s(runtime::load_model(o.model), o.session);
  {
    cli::Progress bar("load", s.graph().nodes.size(), cli::progress_wanted(o.json));
    if (bar.enabled())
      s.on_node([&bar](size_t done, size_t nodes, const std::string& node) {
        bar.set_total(nodes);
        bar.update(done, node);
      });
    s.load();
  }
  const auto& st = s.last_stats();
  const auto r = s.residency();
  if (!r) throw cli::CliError("load: the CPU backend has no NVM to load into", 2);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"model", o.model},
                                      {"device", s.device()},
                                      {"blocks_programmed", r->blocks_programmed},
                                      {"rows_programmed", r->rows_programmed},
                                      {"blocks_found", r->blocks_found},
                                      {"rows_found", r->rows_found},
                                      {"blocks_evicted", r->blocks_evicted},
                                      {"blocks_stale", r->blocks_stale},
                                      {"program_cycles", st.program_cycles},
                                      {"program_sim_us", st.program_sim_us},
                                      {"program_energy_pj", st.program_energy_pj}}
                           .dump(2));
    return;
  }
  fmt::print("{}: loaded on {}\n", o.model, s.device());
  fmt::print("  NVM: {} blocks programmed ({} rows), {} already resident ({} rows), {} evicted\n",
             r->blocks_programmed, r->rows_programmed, r->blocks_found, r->rows_found,
             r->blocks_evicted);
  fmt::print("  placing weights: {} cycles, {:.2f} us simulated, {:.2f} nJ\n", st.program_cycles,
             st.program_sim_us, st.program_energy_pj / 1000);
  if (o.plan) fmt::print("{}", s.plan());
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<LoadOptions>();
  auto* c = app.add_subcommand(
      "load", "Quantize a model, plan it onto the tiles and program its weights into NVM");
  c->add_option("model", opts->model, "ONNX model")->required()->check(CLI::ExistingFile);
  c->add_flag("--plan", opts->plan, "print which tile holds which weight block");
  c->add_flag("--json", opts->json, "print what was programmed as JSON");
  hycim::cli::add_session_options(c, opts->session);
  c->add_flag("--share", opts->session.placement.share_weights,
              "share the model's weight blocks in NVM read-only with every owner of the device "
              "(owner=NAME in the URI), so another owner loading the same weights uses them");
  c->callback([opts] { load(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(load, setup);
