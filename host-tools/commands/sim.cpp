// `hycim sim --layer MxKxN [device options] [--sweep key=v1,v2 ...]`: one int8
// GEMM layer C = A . W with seeded random data on a device, through the
// runtime's CIM engine (DriverEngine + NvmResidency + CimMatrix), checked
// exactly against a CPU GEMM; reports cycles, simulated time, energy,
// utilisation and the cost of programming W. With --sweep, every point of a
// product of sim:// configurations runs as a child process of this binary
// (SystemC elaborates one device per process) and the rows are gathered.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "driver/driver.hpp"
#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "host-tools/commands/sim_report.hpp"
#include "host-tools/commands/sim_sweep.hpp"
#include "host-tools/progress.hpp"
#include "hycim/spec/tile_spec.hpp"
#include "runtime/cim/device_report.hpp"
#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"
#include "runtime/cim/weight_plan.hpp"
#include "sim/tech/cim_energy.hpp"
#include "sim/tech/tile_area.hpp"

namespace {

using namespace hycim;
using cli::CliError;
namespace sim = cli::sim;

// Sums of int8 x int8 products over K stay inside int32 (|sum| <= K x 2^14).
constexpr uint32_t kMaxDim = 65536;
constexpr uint64_t kMaxElements = uint64_t{1} << 26;

struct SimOptions {
  std::string layer;
  cli::DeviceFlags device;
  std::string timing;
  uint64_t seed = 1;
  std::string format = "table";
  bool json = false;  // --json: --format json
  std::vector<std::string> sweeps;
  unsigned jobs = 1;
};

struct Layer {
  uint32_t m = 0, k = 0, n = 0;
  std::string text() const { return fmt::format("{}x{}x{}", m, k, n); }
  uint64_t macs() const { return uint64_t{m} * k * n; }
};

Layer parse_layer(const std::string& s) {
  std::vector<std::string> parts;
  size_t from = 0;
  for (size_t at; (at = s.find('x', from)) != std::string::npos; from = at + 1)
    parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  if (parts.size() != 3)
    throw CliError(fmt::format("--layer '{}': expected MxKxN, three positive integers such as "
                               "64x512x128",
                               s),
                   2);
  static const char* const kNames[] = {"M", "K", "N"};
  uint32_t dims[3];
  for (int i = 0; i < 3; ++i) {
    const std::string& p = parts[i];
    if (p.empty() || p.size() > 9 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw CliError(
          fmt::format("--layer '{}': {} '{}' is not a positive integer", s, kNames[i], p), 2);
    const unsigned long v = std::stoul(p);
    if (v == 0)
      throw CliError(fmt::format("--layer '{}': {} is 0; dimensions must be >= 1", s, kNames[i]),
                     2);
    if (v > kMaxDim)
      throw CliError(
          fmt::format("--layer '{}': {} = {} is larger than {}", s, kNames[i], v, kMaxDim), 2);
    dims[i] = static_cast<uint32_t>(v);
  }
  const Layer l{dims[0], dims[1], dims[2]};
  for (auto [rows, cols, name] : {std::tuple{l.m, l.k, "A (MxK)"}, std::tuple{l.k, l.n, "W (KxN)"},
                                  std::tuple{l.m, l.n, "C (MxN)"}})
    if (uint64_t{rows} * cols > kMaxElements)
      throw CliError(fmt::format("--layer '{}': {} has {} elements, more than {}", s, name,
                                 uint64_t{rows} * cols, kMaxElements),
                     2);
  return l;
}

void check_config_name(const std::string& name) {
  if (name.empty()) return;
  std::string known;
  for (const auto& c : spec::kNamedTileConfigs) {
    if (c.name == name) return;
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  throw CliError(
      fmt::format("--config '{}' is not a named tile configuration (known: {})", name, known), 2);
}

uint32_t ceil_div(uint64_t a, uint64_t b) {
  return static_cast<uint32_t>((a + b - 1) / b);
}

// Simulated ns and pJ to a thousandth (ps, fJ): no floating-point noise in CSV.
double milli_round(double v) {
  return std::round(v * 1000) / 1000;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// One layer on `uri`, in this process: the row of its measurements. Throws
// CliError(1) when the device cannot hold W or the result is wrong.
// A row with the layer's own fields filled in.
sim::Row layer_row(const Layer& l, const char* status) {
  sim::Row r = sim::empty_row();
  r["status"] = status;
  r["layer"] = l.text();
  r["m"] = l.m;
  r["k"] = l.k;
  r["n"] = l.n;
  return r;
}

sim::Row run_layer(const Layer& l, const std::string& uri, uint64_t seed) {
  const auto t_start = std::chrono::steady_clock::now();
  cim::DriverEngineOptions eo;
  eo.uri = uri;
  cim::DriverEngine engine(eo);
  const driver::Capabilities caps = engine.capabilities();
  const driver::DeviceInfo info = engine.info();
  const cim::Geometry g = engine.geometry();

  const uint32_t row_blocks = ceil_div(l.k, g.max_k), lane_blocks = ceil_div(l.n, g.lanes);
  const uint64_t rows_needed = uint64_t{l.k} * lane_blocks;
  const uint64_t capacity = uint64_t{g.nvm_rows} * g.tiles;
  if (rows_needed > capacity)
    throw CliError(fmt::format(
        "layer {}: W needs {} NVM rows (K={} rows x {} lane blocks of {} lanes) but the device "
        "holds {} ({} tile(s) of {} rows); use more tiles, a larger tile config, or a smaller K/N",
        l.text(), rows_needed, l.k, lane_blocks, g.lanes, capacity, g.tiles, g.nvm_rows));

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(-128, 127);
  auto random_int8 = [&](size_t count) {
    std::vector<uint8_t> v(count);
    for (uint8_t& x : v) x = static_cast<uint8_t>(static_cast<int8_t>(dist(rng)));
    return v;
  };
  const std::vector<uint8_t> a = random_int8(size_t{l.m} * l.k);
  const std::vector<uint8_t> w = random_int8(size_t{l.k} * l.n);

  auto tile_cycles = [&] {
    std::vector<uint64_t> c(g.tiles);
    for (uint32_t t = 0; t < g.tiles; ++t) c[t] = engine.cycles(t);
    return c;
  };
  // The device's own residency record: on a persistent NVM, W's scratch rows
  // are taken around the blocks other processes keep resident, never over them.
  const auto shared = cim::residency_for(engine, {}, std::chrono::milliseconds(30000));
  cim::NvmResidency& residency = *shared;

  // Placing W: the NVM programming cost.
  const auto prog_cycles0 = tile_cycles();
  const double prog_ns0 = engine.device_time_ns(), prog_pj0 = engine.energy_pj();
  std::unique_ptr<cim::CimMatrix> wm;
  try {
    wm = std::make_unique<cim::CimMatrix>(engine, w, l.k, l.n, /*wsigned=*/true, "W " + l.text());
    wm->place(residency, /*constant=*/false, &residency);
  } catch (const cim::EngineError& e) {
    throw CliError(fmt::format("layer {}: placing W on the device: {}", l.text(), e.what()));
  }
  const auto prog_cycles1 = tile_cycles();
  const double prog_ns = engine.device_time_ns() - prog_ns0;
  const double prog_pj = engine.energy_pj() - prog_pj0;
  uint64_t program_cycles = 0;
  for (uint32_t t = 0; t < g.tiles; ++t) program_cycles += prog_cycles1[t] - prog_cycles0[t];

  // The multiply: every block x every row of A in one batch.
  std::vector<int32_t> c(size_t{l.m} * l.n);
  const double ns0 = engine.device_time_ns(), pj0 = engine.energy_pj();
  const auto t0 = std::chrono::steady_clock::now();
  wm->multiply(a, l.m, /*asigned=*/true, c);
  const double host_ms = ms_since(t0);
  const double sim_ns = engine.device_time_ns() - ns0;
  const double energy_pj = engine.energy_pj() - pj0;
  const auto cycles1 = tile_cycles();
  std::vector<uint64_t> per_tile(g.tiles);
  for (uint32_t t = 0; t < g.tiles; ++t) per_tile[t] = cycles1[t] - prog_cycles1[t];
  const uint64_t mvm_cycles = *std::max_element(per_tile.begin(), per_tile.end());

  // The same product on the CPU, in int32.
  std::vector<int32_t> ref(size_t{l.m} * l.n, 0);
  for (uint32_t i = 0; i < l.m; ++i)
    for (uint32_t kk = 0; kk < l.k; ++kk) {
      const int32_t x = static_cast<int8_t>(a[size_t{i} * l.k + kk]);
      const uint8_t* wr = &w[size_t{kk} * l.n];
      int32_t* out = &ref[size_t{i} * l.n];
      for (uint32_t j = 0; j < l.n; ++j) out[j] += x * static_cast<int8_t>(wr[j]);
    }
  size_t wrong = 0, first = 0;
  for (size_t i = 0; i < c.size(); ++i)
    if (c[i] != ref[i] && wrong++ == 0) first = i;
  if (wrong)
    throw CliError(fmt::format(
        "layer {} on {}: the device's C differs from the CPU GEMM in {} of {} elements; first "
        "C[{}][{}]: device {}, CPU {}",
        l.text(), uri, wrong, c.size(), first / l.n, first % l.n, c[first], ref[first]));

  std::set<uint32_t> used;
  for (const cim::Block& b : wm->blocks()) used.insert(b.tile);
  const double peak_per_cycle =
      static_cast<double>(g.tiles) * caps.lanes * caps.rows_per_cycle / 8.0;

  sim::Row r = layer_row(l, "ok");
  r["device"] = uri;
  r["config"] = info.tile_config;
  r["tile"] = info.tile_kind;
  r["tiles"] = caps.tiles;
  r["lanes"] = caps.lanes;
  r["nvm_rows"] = caps.nvm_rows;
  r["rows_per_cycle"] = caps.rows_per_cycle;
  r["blocks"] = wm->blocks().size();
  r["row_blocks"] = row_blocks;
  r["lane_blocks"] = lane_blocks;
  r["tiles_used"] = used.size();
  r["mvm_cycles"] = mvm_cycles;
  r["mvm_cycles_per_tile"] = per_tile;
  r["sim_ns"] = milli_round(sim_ns);
  r["energy_pj"] = milli_round(energy_pj);
  r["macs"] = l.macs();
  r["macs_per_cycle"] = static_cast<double>(l.macs()) / static_cast<double>(mvm_cycles);
  r["utilization"] =
      static_cast<double>(l.macs()) / (static_cast<double>(mvm_cycles) * peak_per_cycle);
  if (sim_ns > 0) r["gops"] = 2.0 * static_cast<double>(l.macs()) / sim_ns;
  if (energy_pj > 0) r["tops_per_w"] = 2.0 * static_cast<double>(l.macs()) / energy_pj;
  r["program_rows"] = residency.counters().rows_programmed;
  r["program_cycles"] = program_cycles;
  r["program_ns"] = milli_round(prog_ns);
  r["program_energy_pj"] = milli_round(prog_pj);
  r["host_ms"] = host_ms;
  r["seed"] = seed;
  r["description"] = engine.describe();
  r["error"] = "";
  residency.release_scratch(&residency);
  // Area and leakage on the device's technology (sim/tech): the device counts
  // dynamic energy per event; static power follows the area over the time.
  const tech::Technology t = tech::load_technology(cim::technology_of(uri));
  const tech::CimArray array = cim::array_of(caps, info);
  const tech::DeviceArea area = tech::device_area(array, caps.tiles, t);
  const double tile_leak_mw = tech::tile_event_energy(array, t).leakage_mw;
  r["technology"] = t.name;
  r["area_mm2"] = area.total_mm2();
  if (sim_ns > 0)
    r["tops_mm2"] = 2.0 * static_cast<double>(l.macs()) / sim_ns / 1000 / area.total_mm2();
  r["leakage_pj"] = milli_round(tile_leak_mw * caps.tiles * sim_ns);
  r["host_total_ms"] = ms_since(t_start);
  return r;
}

void run(const SimOptions& o) {
  const Layer l = parse_layer(o.layer);
  check_config_name(o.device.config);
  std::string uri = cli::device_uri(o.device);
  if (!o.timing.empty()) {
    if (!o.device.devices.empty())
      throw CliError(
          "--timing is a shorthand for timing=FILE of a sim:// URI and cannot be added "
          "to --device; put timing=FILE in the URI",
          2);
    uri += (uri.find('?') == std::string::npos ? "?" : "&") + std::string("timing=") +
           sim::uri_escape(o.timing);
  }
  if (o.sweeps.empty()) {
    sim::print_rows({run_layer(l, uri, o.seed)}, o.format);
    return;
  }
  std::vector<sim::SweepAxis> axes;
  for (const std::string& s : o.sweeps) axes.push_back(sim::parse_sweep(s));
  const auto points = sim::sweep_points(uri, axes);
  sim::Row base = layer_row(l, "error");
  base["macs"] = l.macs();
  base["seed"] = o.seed;
  bool failed = false;
  std::vector<sim::Row> rows;
  {
    cli::Progress bar("sweep", points.size(), cli::progress_wanted(o.format == "json"));
    rows = sim::run_points(points, {"--layer", l.text(), "--seed", std::to_string(o.seed)}, base,
                           o.jobs, &failed, [&bar](size_t done) { bar.update(done, "points"); });
  }
  sim::print_rows(rows, o.format);
  if (failed) {
    const auto bad = std::count_if(rows.begin(), rows.end(),
                                   [](const sim::Row& r) { return r["status"] != "ok"; });
    throw CliError(
        fmt::format("{} of {} sweep points failed (see their error field)", bad, rows.size()));
  }
}

std::string footer() {
  return "Runs C(MxN) = A(MxK) . W(KxN) with random int8 A and W (from --seed) on the device\n"
         "through the runtime's CIM engine, checks C exactly against a CPU int32 GEMM, and\n"
         "prints one row: W is cut into blocks of at most min(NVM_ROWS, SRAM_ROWS x LANES)\n"
         "rows x LANES columns, placed on the tiles in turn (the cost of programming them is\n"
         "reported apart), and every block x every row of A runs as one batch, so tiles\n"
         "overlap. MVM cycles per device MVM command of K' inputs (docs/device.md):\n"
         "ceil(K'/LANES) + 1 + ceil(K'/LANES) + 8 x ceil(K'/ROWS_PER_CYCLE), plus\n"
         "timing.ecc_decode_cycles (1) on a device whose NVM rows carry SEC-DED (--ecc secded).\n"
         "\n"
         "--sweep key=v1,v2 (keys: tile=model|rtl, config=NAME, tiles=1..256, timing=FILE;\n"
         "repeatable) runs the cartesian product of sim:// devices, the first --sweep varying\n"
         "slowest, each point in a child process of this binary (--jobs at a time); a point\n"
         "that fails gives a row with status error and its message, and the exit code is 1.\n"
         "\n"
         "Fields (table shows a subset; csv has a header line; json is an array of objects):\n" +
         sim::fields_help() +
         "\nExit codes: 0 ok; 1 the device refused or failed (W does not fit, wrong result, a\n"
         "sweep point failed); 2 usage (malformed --layer, unknown sweep key or value).\n";
}

void setup(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  auto* c = app.add_subcommand(
      "sim", "Simulate one int8 GEMM layer on a device, or sweep device configurations");
  c->add_option("--layer", o->layer, "layer shape MxKxN: C(MxN) = A(MxK) . W(KxN)")->required();
  cli::add_device_options(c, o->device);
  c->add_option("--timing", o->timing,
                "shorthand: timing/energy JSON of the sim:// device (docs/device.md)")
      ->check(CLI::ExistingFile);
  c->add_option("--seed", o->seed, "seed of the random A and W (default 1)");
  auto* format = c->add_option("--format", o->format, "output: table (default), csv or json")
                     ->check(CLI::IsMember({"table", "csv", "json"}));
  c->add_flag("--json", o->json, "the same as --format json");
  // --json with another --format asks for two outputs at once.
  c->parse_complete_callback([o, format] {
    if (!o->json) return;
    if (format->count() && o->format != "json")
      throw CLI::ValidationError("--json",
                                 "it is --format json and cannot go with --format " + o->format);
    o->format = "json";
  });
  c->add_option("--sweep", o->sweeps,
                "key=v1,v2,...: run every combination (keys tile, config, tiles, timing)");
  c->add_option("--jobs,-j", o->jobs, "sweep points run at a time (default 1)")
      ->check(CLI::Range(1u, 256u));
  c->footer(footer());
  c->callback([o] { run(*o); });
}

}  // namespace

HYCIM_CLI_COMMAND(sim, setup);
