// `hycim demo`: the main job on the default embedded simulated device, through
// the driver as every user goes - program int8 weights into a tile's NVM
// (PROGRAM_NVM), DMA an input vector in and run one bit-serial MVM, on a
// device of fast-model tiles and on one of Verilated RTL tiles, both checked
// against the plain reference and against each other (results and cycles).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

#include "driver/command_builders.hpp"
#include "driver/driver.hpp"
#include "host-tools/command_registry.hpp"

namespace {

using namespace hycim;
using namespace std::chrono_literals;
namespace cmd = driver::cmd;

struct DemoOptions {
  std::string config = "default";
  unsigned seed = 1;
  bool model_only = false;
  bool json = false;
};

struct Run {
  std::vector<int32_t> y;
  uint64_t mvm_cycles = 0, program_cycles = 0;
  double device_ns = 0;
};

// Weights into tile 0's NVM, then one MVM of x over them, on `uri`.
Run run_on(const std::string& uri, const std::vector<uint8_t>& w, const std::vector<uint8_t>& x) {
  auto dev = driver::Device::open(uri);
  const driver::Capabilities& caps = dev->capabilities();
  const auto k = static_cast<uint32_t>(x.size());
  auto wb = dev->alloc(w.size()), xb = dev->alloc(x.size()), yb = dev->alloc(caps.lanes * 4);
  std::memcpy(wb->data(), w.data(), w.size());
  std::memcpy(xb->data(), x.data(), x.size());
  if (wb->map(HYCIM_ACCESS_READ) != driver::Status::kOk ||
      xb->map(HYCIM_ACCESS_READ) != driver::Status::kOk ||
      yb->map(HYCIM_ACCESS_WRITE) != driver::Status::kOk)
    throw cli::CliError(fmt::format("{}: mapping the demo's buffers failed", uri));
  auto q = dev->create_queue(4);
  const driver::CommandRecord cmds[] = {
      cmd::program_nvm(1, 0, 0, k, wb->iova()),
      cmd::mvm(2, 0, 0, k, caps.nvm_rows, xb->iova(), yb->iova())};
  if (q->submit(cmds) != driver::Status::kOk) throw cli::CliError(uri + ": submit failed");
  driver::CompletionRecord done[2];
  size_t n = 0;
  const driver::Status st = q->wait(done, 2, 120000ms, &n);
  if (st != driver::Status::kOk) throw cli::CliError(uri + ": " + driver::to_string(st));
  for (const auto& c : done)
    if (c.status != 0)
      throw cli::CliError(
          fmt::format("{}: command {} answered {}", uri, c.seq, hycim_get_status_name(c.status)));
  Run r;
  r.y.resize(caps.lanes);
  std::memcpy(r.y.data(), yb->data(), caps.lanes * 4);
  r.program_cycles = done[0].cycles;
  r.mvm_cycles = done[1].cycles;
  driver::Usage u{};
  dev->usage(&u);
  r.device_ns = u.device_time_ns;
  return r;
}

void print_run(const char* kind, const Run& r) {
  fmt::print("  {:<6} MVM {} tile cycles, NVM programming {} cycles, {:.2f} us of device time\n",
             kind, r.mvm_cycles, r.program_cycles, r.device_ns / 1000);
}

nlohmann::json run_json(const Run& r) {
  return {{"mvm_cycles", r.mvm_cycles},
          {"program_cycles", r.program_cycles},
          {"device_us", r.device_ns / 1000}};
}

// y[l] = sum_k x[k] * W[k][l] over signed int8, in 64 bits (the reference).
std::vector<int64_t> reference_mvm(const std::vector<uint8_t>& w, const std::vector<uint8_t>& x,
                                   uint32_t lanes) {
  std::vector<int64_t> y(lanes, 0);
  for (size_t k = 0; k < x.size(); ++k)
    for (uint32_t l = 0; l < lanes; ++l)
      y[l] += int64_t{static_cast<int8_t>(x[k])} * static_cast<int8_t>(w[k * lanes + l]);
  return y;
}

void demo(const DemoOptions& o) {
  const std::string uri = "sim://?tiles=1&config=" + o.config;
  driver::Capabilities cfg;
  {
    auto dev = driver::Device::open(uri);  // the geometry, from the device itself
    cfg = dev->capabilities();
  }
  const uint32_t k = cfg.nvm_rows;
  std::mt19937 rng(o.seed);
  std::vector<uint8_t> w(size_t{k} * cfg.lanes), x(k);
  for (auto& v : w) v = static_cast<uint8_t>(rng());
  for (auto& v : x) v = static_cast<uint8_t>(rng());
  const auto expect = reference_mvm(w, x, cfg.lanes);

  nlohmann::json j = {{"config", o.config},
                      {"seed", o.seed},
                      {"nvm_rows", cfg.nvm_rows},
                      {"sram_rows", cfg.sram_rows},
                      {"lanes", cfg.lanes},
                      {"rows_per_cycle", cfg.rows_per_cycle},
                      {"k", k}};
  if (!o.json) {
    fmt::print("hycim demo: tile '{}' ({} NVM + {} SRAM rows, {} lanes x int8, {} rows/cycle)\n",
               o.config, cfg.nvm_rows, cfg.sram_rows, cfg.lanes, cfg.rows_per_cycle);
    fmt::print("  y = x . W with x: {} int8 inputs, W: {}x{} int8 weights in NVM, on sim://\n", k,
               k, cfg.lanes);
  }
  const Run m = run_on(uri, w, x);
  j["model"] = run_json(m);
  if (!o.json) print_run("model", m);
  bool ok = std::vector<int64_t>(m.y.begin(), m.y.end()) == expect;
  j["model"]["matches_reference"] = ok;
  bool rtl_ran = false;
  j["rtl"] = nullptr;
  if (!o.model_only) {
    try {
      const Run r = run_on(uri + "&tile=rtl", w, x);
      const bool same =
          r.y == m.y && r.mvm_cycles == m.mvm_cycles && r.program_cycles == m.program_cycles;
      j["rtl"] = run_json(r);
      j["rtl"]["matches_model"] = same;
      if (!o.json) print_run("RTL", r);
      ok = ok && same;
      rtl_ran = true;
    } catch (const driver::DriverError& e) {
      if (e.status != driver::Status::kInvalid) throw;
      // A build without RTL, or no RTL for cfg.
      j["rtl_not_run"] = e.what();
      if (!o.json) fmt::print("  RTL    not run: {}\n", e.what());
    }
  }
  const auto shown = m.y.begin() + std::min(8u, cfg.lanes);
  j["y_head"] = std::vector<int32_t>(m.y.begin(), shown);
  j["ok"] = ok;
  if (o.json)
    fmt::print("{}\n", j.dump(2));
  else
    fmt::print("  y[0..7] = {}\n", fmt::join(m.y.begin(), shown, " "));
  if (!ok) throw cli::CliError("tile results disagree with the reference");
  if (!o.json)
    fmt::print("  result: model{} == reference, bit-exact; cycles equal\n",
               rtl_ran ? " == RTL" : "");
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<DemoOptions>();
  auto* c = app.add_subcommand(
      "demo", "Run an int8 MVM on the simulated device's tiles (model and RTL), via the driver");
  c->add_option("--config", opts->config, "tile configuration (small, default)");
  c->add_option("--seed", opts->seed, "random seed for weights and inputs");
  c->add_flag("--model-only", opts->model_only, "skip the RTL tiles");
  c->add_flag("--json", opts->json, "print the runs' cycles and the checks as JSON");
  c->callback([opts] { demo(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(demo, setup);
