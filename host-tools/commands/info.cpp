// `hycim info [--device URI] [--json]`: the devices this host can reach
// (sim:// and every live hycimd socket, or just --device), each with its
// capabilities, weight capacity, NVM summary and how many contexts use it.
// `hycim info --presets`: the named devices of the spec (sim://?preset=NAME).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "driver/driver.hpp"
#include "host-tools/command_registry.hpp"
#include "hycim/spec/tile_spec.hpp"

namespace {

using namespace hycim;
using driver::Capabilities;
using driver::DeviceInfo;

struct InfoOptions {
  std::string device;
  bool json = false;
  bool presets = false;
};

// Weights a device's NVM holds: every tile's NVM rows x lanes, WBITS each.
struct Capacity {
  uint64_t weights, bytes;
};
Capacity capacity(uint64_t tiles, uint64_t nvm_rows, uint64_t lanes, uint64_t wbits) {
  const uint64_t w = tiles * nvm_rows * lanes;
  return {w, w * wbits / 8};
}

std::string human_bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 20)) return fmt::format("{:g} MiB", double(n) / double(1 << 20));
  if (n >= (uint64_t{1} << 10)) return fmt::format("{:g} KiB", double(n) / double(1 << 10));
  return fmt::format("{} B", n);
}

nlohmann::json presets_json() {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& p : spec::device::kDevicePresets) {
    const auto& named = spec::kNamedTileConfigs;
    const spec::TileConfig& t = *std::find_if(named.begin(), named.end(), [&](const auto& c) {
      return c.name == p.tile_config;  // gen_spec checked that it exists
    });
    const Capacity cap = capacity(p.tiles, t.nvm_rows, t.lanes, t.wbits);
    all.push_back({{"name", p.name},
                   {"uri", fmt::format("sim://?preset={}", p.name)},
                   {"tiles", p.tiles},
                   {"tile_config", p.tile_config},
                   {"weights", cap.weights},
                   {"bytes", cap.bytes},
                   {"doc", p.doc}});
  }
  return all;
}

// What the runtime keeps resident in a persistent NVM, from its catalog next
// to the image (runtime/cim/resident_catalog.hpp), read without taking its
// lock: a summary, `hycim nvm list` has the blocks. Null when there is none.
nlohmann::json resident_summary(const std::string& image) {
  if (image.empty()) return nullptr;
  std::ifstream in(image + ".resident.json");
  if (!in) return nullptr;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("blocks") || !j["blocks"].is_array())
    return {{"error", "catalog is not readable JSON"}};
  std::set<std::string> models;
  uint64_t rows = 0;
  for (const auto& b : j["blocks"]) {
    const std::string label = b.value("label", "");
    models.insert(label.substr(0, label.find(':')));
    rows += b.value("rows", uint64_t{0});
  }
  return {{"blocks", j["blocks"].size()}, {"rows", rows}, {"models", models}};
}

nlohmann::json describe(const std::string& uri, const Capabilities& c, const DeviceInfo& i) {
  namespace sd = spec::device;
  const auto version = sd::fields::Version::unpack(c.version);
  return {
      {"uri", uri},
      {"backend", i.backend},
      {"id", fmt::format("{:#010x}", c.id)},
      {"version", fmt::format("{}.{}", version.major, version.minor)},
      {"capabilities",
       {{"tiles", c.tiles},
        {"tile_config", i.tile_config},
        {"tile_kind", i.tile_kind},
        {"lanes", c.lanes},
        {"nvm_rows", c.nvm_rows},
        {"sram_rows", c.sram_rows},
        {"wbits", c.wbits},
        {"xbits", c.xbits},
        {"acc_bits", c.acc_bits},
        {"rows_per_cycle", c.rows_per_cycle},
        {"dma_windows", c.dma_windows},
        {"max_queue_entries", c.max_queue_entries},
        {"rtl_tiles", (c.flags & sd::cap_flags::kRtlTiles) != 0}}},
      {"capacity",
       {{"weights", capacity(c.tiles, c.nvm_rows, c.lanes, c.wbits).weights},
        {"bytes", capacity(c.tiles, c.nvm_rows, c.lanes, c.wbits).bytes}}},
      {"nvm",
       {{"persistent", (c.flags & sd::cap_flags::kPersistentNvm) != 0},
        {"image", i.nvm_image},
        {"rows_programmed", i.nvm_rows_programmed},
        {"max_wear", i.nvm_max_wear},
        {"resident", resident_summary(i.nvm_image)}}},
      {"contexts", i.contexts},
      {"commands_completed", i.commands},
  };
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
  if (const auto& r = n["resident"]; r.is_object() && r.contains("blocks"))
    fmt::print("              resident weights: {} blocks, {} rows, of {} (hycim nvm list)\n",
               r["blocks"].get<uint64_t>(), r["rows"].get<uint64_t>(),
               fmt::join(r["models"].get<std::vector<std::string>>(), ", "));
  fmt::print("  contexts    {} open, {} commands completed\n", d["contexts"].get<int>(),
             d["commands_completed"].get<uint64_t>());
}

void run(const InfoOptions& o) {
  if (o.presets) {
    const nlohmann::json all = presets_json();
    if (o.json) {
      fmt::print("{}\n", nlohmann::json{{"presets", all}}.dump(2));
      return;
    }
    for (const auto& p : all)
      fmt::print("{:<8} {:>5} tiles x '{}': {:>9} weights ({:>7})  {}\n",
                 p["name"].get<std::string>(), p["tiles"].get<uint32_t>(),
                 p["tile_config"].get<std::string>(), p["weights"].get<uint64_t>(),
                 human_bytes(p["bytes"].get<uint64_t>()), p["doc"].get<std::string>());
    return;
  }
  const std::vector<std::string> uris =
      o.device.empty() ? driver::Device::enumerate() : std::vector<std::string>{o.device};
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
    all.push_back(describe(uri, dev->capabilities(), info));
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
  c->add_option("--device", opts->device,
                "device URI (sim://?config=small, unix://PATH); default: every reachable device");
  c->add_flag("--json", opts->json, "print JSON");
  c->add_flag("--presets", opts->presets, "list the named devices (sim://?preset=NAME) instead");
  c->callback([opts] { run(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(info, setup);
