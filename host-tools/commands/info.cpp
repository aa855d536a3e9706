// `hycim info [--device URI]... [--json]`: the devices this host can reach
// (sim:// and every live hycimd socket, or just those --device names, e.g.
// each member of a device group), each with its
// capabilities, weight capacity, NVM summary (with its fault setup, the
// ECC counters of every tile since the device started and the spare rows
// each has used in its lifetime, this context's owner identity and the NVM
// rows it holds) and how many contexts use it.
// `hycim info --presets`: the named devices of the spec (sim://?preset=NAME).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "driver/driver.hpp"
#include "host-tools/command_registry.hpp"
#include "runtime/cim/device_report.hpp"

namespace {

using namespace hycim;
using driver::Capabilities;
using driver::DeviceInfo;

struct InfoOptions {
  std::vector<std::string> devices;
  std::string tech;  // empty: the sim:// URI's tech=, else the default
  bool json = false;
  bool presets = false;
};

std::string human_bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 20)) return fmt::format("{:g} MiB", double(n) / double(1 << 20));
  if (n >= (uint64_t{1} << 10)) return fmt::format("{:g} KiB", double(n) / double(1 << 10));
  return fmt::format("{} B", n);
}

bool all_zero(const nlohmann::json& counts) {
  for (const auto& c : driver::kTileHealthCounts)
    if (counts[c.name].get<uint64_t>() != 0) return false;
  return true;
}

// `spares`: the spare rows the row's tiles have, so "spares used" reads as
// used of available.
void print_counts(const std::string& what, const nlohmann::json& c, uint64_t spares) {
  fmt::print("              {:>6} {:>9} {:>13} {:>15} {:>8} {:>8} {:>11}\n", what,
             c["ecc_corrected"].get<uint64_t>(), c["ecc_uncorrectable"].get<uint64_t>(),
             c["nvm_program_retries"].get<uint64_t>(), c["nvm_scrubbed_rows"].get<uint64_t>(),
             c["nvm_remapped_rows"].get<uint64_t>(),
             fmt::format("{}/{}", c["nvm_spare_rows_used"].get<uint64_t>(), spares));
}

// The fault setup, then a row per tile whose counters are not all zero and
// their totals (the JSON has every tile). Silent for a device whose cells
// never fail and that never counted anything.
void print_nvm_health(const nlohmann::json& n) {
  const auto& f = n["faults"];
  const auto& ecc = n["ecc"];
  if (f.is_object())
    fmt::print(
        "              faults {} (seed {}, ecc {}) at {:g} C, up to {} write-verify retries, "
        "{} spare rows per tile\n",
        f["model"].get<std::string>(), f["seed"].get<uint64_t>(), f["ecc"].get<std::string>(),
        f["temp_c"].get<double>(), f["verify_retries"].get<uint32_t>(),
        f["spare_rows"].get<uint32_t>());
  if (!f.is_object() && all_zero(ecc["total"])) return;
  const uint64_t spares = f.is_object() ? f["spare_rows"].get<uint64_t>() : 0;
  // Spares used are the tile's lifetime count (its NVM image keeps it); the
  // other columns count since the device started.
  fmt::print("              ECC since the device started (spares used: in the NVM's lifetime):\n");
  fmt::print("              {:>6} {:>9} {:>13} {:>15} {:>8} {:>8} {:>11}\n", "tile", "corrected",
             "uncorrectable", "program retries", "scrubbed", "remapped", "spares used");
  for (const auto& t : ecc["tiles"])
    if (!all_zero(t)) print_counts(std::to_string(t["tile"].get<uint32_t>()), t, spares);
  print_counts("total", ecc["total"], spares * ecc["tiles"].size());
}

void print_text(const nlohmann::json& d) {
  const auto& c = d["capabilities"];
  const auto& n = d["nvm"];
  fmt::print("device {}\n", d["uri"].get<std::string>());
  fmt::print("  backend     {}\n", d["backend"].get<std::string>());
  fmt::print("  id          {} version {}\n", d["id"].get<std::string>(),
             d["version"].get<std::string>());
  fmt::print("  tiles       {} x '{}' ({}): {} lanes of {}-bit weights, {} NVM + {} SRAM rows\n",
             c["tiles"].get<int>(), c["tile_config"].get<std::string>(),
             c["tile_kind"].get<std::string>(), c["lanes"].get<int>(), c["wbits"].get<int>(),
             c["nvm_rows"].get<int>(), c["sram_rows"].get<int>());
  fmt::print("              {}-bit inputs, {}-bit accumulators, {} rows per cycle\n",
             c["xbits"].get<int>(), c["acc_bits"].get<int>(), c["rows_per_cycle"].get<int>());
  fmt::print("  capacity    {} weights ({}) in {} NVM rows\n",
             d["capacity"]["weights"].get<uint64_t>(),
             human_bytes(d["capacity"]["bytes"].get<uint64_t>()),
             c["tiles"].get<uint64_t>() * c["nvm_rows"].get<uint64_t>());
  fmt::print("  host        {} DMA windows per context, queues up to {} entries\n",
             c["dma_windows"].get<int>(), c["max_queue_entries"].get<int>());
  if (n["persistent"].get<bool>())
    fmt::print("  nvm         image {}\n", n["image"].get<std::string>());
  else
    fmt::print("  nvm         not persistent (no image)\n");
  fmt::print("              {} rows programmed, highest wear {}\n", n["rows_programmed"].get<int>(),
             n["max_wear"].get<int>());
  fmt::print("              owner {} (this context): {} NVM rows held\n",
             n["owner"].get<std::string>(), n["rows_owned"].get<uint64_t>());
  if (const auto& r = n["resident"]; r.is_object() && r.contains("blocks"))
    fmt::print("              resident weights: {} blocks, {} rows, of {} (hycim nvm list)\n",
               r["blocks"].get<uint64_t>(), r["rows"].get<uint64_t>(),
               fmt::join(r["models"].get<std::vector<std::string>>(), ", "));
  print_nvm_health(n);
  fmt::print("  contexts    {} open, {} commands completed\n", d["contexts"].get<int>(),
             d["commands_completed"].get<uint64_t>());
  const auto& a = d["area"];
  fmt::print(
      "  area        {:.4g} mm^2 ({:.4g} mm^2 a tile, {:.4g} mm^2 host interface) on {} "
      "({:g} nm, {:g} V, {:g} MHz)\n",
      a["total_mm2"].get<double>(), a["tile"]["total_mm2"].get<double>(),
      a["host_interface_um2"].get<double>() * 1e-6, a["technology"].get<std::string>(),
      a["node_nm"].get<double>(), a["vdd"].get<double>(), a["clock_mhz"].get<double>());
  fmt::print("              peak {:.4g} TOPS int8, {:.4g} TOPS/mm^2\n",
             a["peak_tops"].get<double>(), a["tops_mm2"].get<double>());
}

void run(const InfoOptions& o) {
  if (o.presets) {
    const nlohmann::json all = cim::presets_report();
    if (o.json) {
      fmt::print("{}\n", nlohmann::json{{"presets", all}}.dump(2));
      return;
    }
    for (const auto& p : all)
      fmt::print("{:<8} {:>5} tiles x '{}': {:>9} weights ({:>7}) {:>8.3f} mm^2  {}\n",
                 p["name"].get<std::string>(), p["tiles"].get<uint32_t>(),
                 p["tile_config"].get<std::string>(), p["weights"].get<uint64_t>(),
                 human_bytes(p["bytes"].get<uint64_t>()), p["area"]["total_mm2"].get<double>(),
                 p["doc"].get<std::string>());
    return;
  }
  const std::vector<std::string> uris = o.devices.empty() ? driver::Device::enumerate() : o.devices;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& uri : uris) {
    std::unique_ptr<driver::Device> dev;
    try {
      dev = driver::Device::open(uri);
    } catch (const driver::DriverError& e) {
      throw cli::CliError(fmt::format("cannot open {}: {}", uri, e.what()));
    }
    DeviceInfo info;
    if (auto st = dev->info(&info); st != driver::Status::kOk)
      throw cli::CliError(fmt::format("{}: reading device info: {}", uri, driver::to_string(st)));
    std::vector<driver::TileHealth> health;
    try {
      health = cim::read_tile_health(*dev);
    } catch (const driver::DriverError& e) {
      throw cli::CliError(e.what());
    }
    try {
      all.push_back(cim::device_report(uri, dev->capabilities(), info, health, o.tech));
    } catch (const tech::TechError& e) {
      throw cli::CliError(fmt::format("--tech: {}", e.what()), 2);
    }
  }
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"devices", all}}.dump(2));
    return;
  }
  for (const auto& d : all) print_text(d);
}

void setup(CLI::App& root) {
  auto opts = std::make_shared<InfoOptions>();
  auto* c = root.add_subcommand("info", "Show devices, their capabilities and NVM state");
  c->add_option("--device", opts->devices,
                "device URI (sim://?config=small, unix://PATH), again for each member of a device "
                "group; default: every reachable device");
  c->add_option("--tech", opts->tech,
                "technology the area is reported on (hycim macros --help; default: the sim:// "
                "URI's tech=, else hycim22)");
  c->add_flag("--json", opts->json, "print JSON");
  c->add_flag("--presets", opts->presets, "list the named devices (sim://?preset=NAME) instead");
  c->callback([opts] { run(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(info, setup);
