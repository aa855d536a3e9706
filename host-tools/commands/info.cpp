// `hycim info [--device URI] [--json]`: the devices this host can reach
// (sim:// and every live hycimd socket, or just --device), each with its
// capabilities, NVM summary and how many contexts use it.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "driver/driver.hpp"
#include "host-tools/command_registry.hpp"

namespace {

using namespace hycim;
using driver::Capabilities;
using driver::DeviceInfo;

struct InfoOptions {
  std::string device;
  bool json = false;
};

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
  c->callback([opts] { run(*opts); });
}

}  // namespace

HYCIM_CLI_COMMAND(info, setup);
