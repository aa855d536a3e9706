// Simulation speed of the SystemC device on the default GEMV stream, and of
// the bare tile it is built on, in one process per mode (SystemC allows one
// elaboration per process):
//   hycim_device_bench --mode device|bare --kind model|rtl [--tiles N] [--commands N]
// The stream: every tile holds a 512x32 int8 weight block in NVM (loaded by
// backdoor, untimed); each command is an MVM with K = 512 signed 8-bit inputs
// DMA'd from the host and 32 int32 results DMA'd back, tiles round robin.
// "bare" runs the same tile commands (16 WRITE_SRAM + 1 MVM per command)
// straight on the Tile interface: no SystemC, no DMA, no rings.
// Prints one JSON line: wall seconds, simulated ns, MACs, and their ratios.
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "driver/command_builders.hpp"
#include "sim/device/host_bench.hpp"
#include "sim/device/tile_factory.hpp"

namespace {

using namespace hycim;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode = "device", kind = "model";
  uint32_t tiles = 4, commands = 4096;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--mode")
      o.mode = v;
    else if (k == "--kind")
      o.kind = v;
    else if (k == "--tiles")
      o.tiles = std::stoul(v);
    else if (k == "--commands")
      o.commands = std::stoul(v);
    else
      throw std::invalid_argument("unknown option " + k);
  }
  return o;
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

void load_weights(tile::Tile& t, std::mt19937& rng) {
  for (uint32_t r = 0; r < t.config().nvm_rows; ++r)
    t.poke_row(r, random_bytes(rng, t.config().lanes));
}

nlohmann::json run_bare(const Options& o, const spec::TileConfig& cfg, std::mt19937& rng) {
  std::vector<std::unique_ptr<tile::Tile>> tiles;
  for (uint32_t i = 0; i < o.tiles; ++i) {
    tiles.push_back(device::make_tile(device::parse_tile_kind(o.kind), cfg));
    load_weights(*tiles.back(), rng);
  }
  const uint32_t k = cfg.nvm_rows, xrows = k / cfg.lanes;
  const auto x = random_bytes(rng, k);
  tile::Result r;
  const auto t0 = Clock::now();
  uint64_t checksum = 0;
  for (uint32_t c = 0; c < o.commands; ++c) {
    tile::Tile& t = *tiles[c % o.tiles];
    for (uint32_t i = 0; i < xrows; ++i)
      t.execute(tile::Command::write_sram(
                    cfg.nvm_rows + i, {x.begin() + i * cfg.lanes, x.begin() + (i + 1) * cfg.lanes}),
                r);
    t.execute(tile::Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true), r);
    checksum += static_cast<uint32_t>(r.lanes[0]);
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  // The tiles run side by side: simulated time is the busiest tile's cycles.
  uint64_t cycles = 0;
  for (auto& t : tiles) cycles = std::max(cycles, t->now());
  const double period = device::TimingConfig{}.period_ns();
  return {{"wall_s", wall}, {"simulated_ns", double(cycles) * period}, {"checksum", checksum}};
}

nlohmann::json run_device(const Options& o, const spec::TileConfig& cfg, std::mt19937& rng) {
  device::DeviceConfig dc;
  dc.tile_config = std::string(cfg.name);
  dc.tiles = o.tiles;
  dc.tile_kind = device::parse_tile_kind(o.kind);
  device::HostBench tb("bench", dc, 4 << 20);
  for (uint32_t i = 0; i < o.tiles; ++i) load_weights(tb.device().tile(i), rng);
  tb.setup();
  const uint32_t k = cfg.nvm_rows;
  const auto x = random_bytes(rng, k);
  std::memcpy(tb.mem(tb.data(0), k).data(), x.data(), k);
  std::vector<spec::device::CommandRecord> recs;
  for (uint32_t c = 0; c < o.commands; ++c)
    recs.push_back(driver::cmd::mvm(c, static_cast<uint16_t>(c % o.tiles), 0, k, cfg.nvm_rows,
                                    tb.data(0), tb.data(4096 + (c % 255) * 128)));
  const double start_ns = device::Device::now_ns();
  const auto t0 = Clock::now();
  const auto done = tb.run(recs);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t failed = 0;
  for (const auto& d : done) failed += d.status != 0;
  if (failed) throw std::runtime_error(fmt::format("{} commands failed", failed));
  return {{"wall_s", wall}, {"simulated_ns", device::Device::now_ns() - start_ns}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const spec::TileConfig& cfg = spec::kDefaultTile;
    std::mt19937 rng(42);
    nlohmann::json j = o.mode == "bare" ? run_bare(o, cfg, rng) : run_device(o, cfg, rng);
    const double macs = double(o.commands) * cfg.nvm_rows * cfg.lanes;
    j["mode"] = o.mode;
    j["kind"] = o.kind;
    j["tiles"] = o.tiles;
    j["commands"] = o.commands;
    j["macs"] = macs;
    j["sim_ns_per_wall_s"] = j["simulated_ns"].get<double>() / j["wall_s"].get<double>();
    j["macs_per_wall_s"] = macs / j["wall_s"].get<double>();
    std::cout << j.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "hycim_device_bench: " << e.what() << "\n";
    return 1;
  }
}
