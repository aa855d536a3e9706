// `hycim demo`: the main job on the default embedded simulated tile - program
// int8 weights into NVM, write an input vector into SRAM, run one bit-serial
// MVM on the fast model and on the Verilated RTL, and check both against the
// plain reference.
#include <fmt/format.h>

#include <random>

#include "host-tools/command_registry.hpp"
#include "sim/device/timing_config.hpp"
#include "sim/tile/tile_model.hpp"
#include "sim/tile/tile_reference.hpp"
#ifdef HYCIM_HAVE_RTL
#include "sim/tile/rtl_tile.hpp"
#endif

namespace {

using namespace hycim;
using tile::Command;

struct DemoOptions {
  std::string config = "default";
  unsigned seed = 1;
  bool model_only = false;
};

struct Run {
  tile::Result result;
  uint64_t program_cycles = 0;
};

Run run_on(tile::Tile& t, const std::vector<std::vector<uint8_t>>& weights,
           const std::vector<uint8_t>& x) {
  const auto& c = t.config();
  Run run;
  for (uint32_t k = 0; k < weights.size(); ++k) {
    const auto r = t.execute(Command::program_nvm(k, weights[k]));
    if (r.status != spec::Status::kOk)
      throw cli::CliError(fmt::format("PROGRAM_NVM row {}: {}", k, spec::to_string(r.status)));
    run.program_cycles += r.cycles;
  }
  run.program_cycles += t.execute(Command::sync()).cycles;
  for (uint32_t i = 0; i * c.lanes < x.size(); ++i) {
    std::vector<uint8_t> row(c.lanes, 0);
    for (uint32_t l = 0; l < c.lanes && i * c.lanes + l < x.size(); ++l)
      row[l] = x[i * c.lanes + l];
    t.execute(Command::write_sram(c.nvm_rows + i, row));
  }
  const auto k = static_cast<uint32_t>(weights.size());
  run.result = t.execute(Command::mvm(0, k, c.nvm_rows, 8, true, 8, true));
  if (run.result.status != spec::Status::kOk)
    throw cli::CliError(fmt::format("MVM: {}", spec::to_string(run.result.status)));
  return run;
}

void print_run(const char* kind, const Run& run, double mhz) {
  fmt::print("  {:<6} MVM {} cycles ({:.2f} us at {:.0f} MHz), NVM programming {} cycles\n", kind,
             run.result.cycles, run.result.cycles / mhz, mhz, run.program_cycles);
}

void demo(const DemoOptions& o) {
  const auto& cfg = tile::named_config(o.config);
  const uint32_t k = cfg.nvm_rows;
  std::mt19937 rng(o.seed);
  std::vector<std::vector<uint8_t>> w(k, std::vector<uint8_t>(cfg.lanes));
  std::vector<uint8_t> x(k);
  for (auto& row : w)
    for (auto& v : row) v = static_cast<uint8_t>(rng());
  for (auto& v : x) v = static_cast<uint8_t>(rng());

  std::vector<std::vector<int64_t>> wv(k, std::vector<int64_t>(cfg.lanes));
  std::vector<int64_t> xv(k);
  for (uint32_t i = 0; i < k; ++i) {
    xv[i] = tile::reference::lane_value(x[i], 8, true);
    for (uint32_t l = 0; l < cfg.lanes; ++l)
      wv[i][l] = tile::reference::lane_value(w[i][l], 8, true);
  }
  const auto expect = tile::reference::mvm(wv, xv);

  fmt::print("hycim demo: tile '{}' ({} NVM + {} SRAM rows, {} lanes x int8, {} rows/cycle)\n",
             cfg.name, cfg.nvm_rows, cfg.sram_rows, cfg.lanes, cfg.rows_per_cycle);
  fmt::print("  y = x . W with x: {} int8 inputs, W: {}x{} int8 weights in NVM\n", k, k, cfg.lanes);
  const double mhz = device::TimingConfig{}.clock_mhz;  // the device's default clock
  tile::TileModel model(cfg);
  const Run m = run_on(model, w, x);
  print_run("model", m, mhz);
  bool ok = std::vector<int64_t>(m.result.lanes.begin(), m.result.lanes.end()) == expect;
#ifdef HYCIM_HAVE_RTL
  if (!o.model_only && tile::rtl_available(cfg)) {
    auto rtl = tile::make_rtl_tile(cfg);
    const Run r = run_on(*rtl, w, x);
    print_run("RTL", r, mhz);
    ok = ok && r.result.lanes == m.result.lanes && r.result.cycles == m.result.cycles &&
         r.program_cycles == m.program_cycles;
  }
#endif
  fmt::print("  y[0..7] = {}\n", fmt::join(m.result.lanes.begin(),
                                           m.result.lanes.begin() + std::min(8u, cfg.lanes), " "));
  if (!ok) throw cli::CliError("tile results disagree with the reference");
  fmt::print("  result: model{} == reference, bit-exact; cycles equal\n",
#ifdef HYCIM_HAVE_RTL
             o.model_only ? "" : " == RTL"
#else
             ""
#endif
  );
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  auto* c = app.add_subcommand("demo", "Run an int8 MVM on the simulated tile (model and RTL)");
  c->add_option("--config", opts->config, "tile configuration (small, default)");
  c->add_option("--seed", opts->seed, "random seed for weights and inputs");
  c->add_flag("--model-only", opts->model_only, "skip the RTL tile");
  c->callback([opts] { demo(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(demo, setup);
