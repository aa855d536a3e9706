#include "runtime/cim/device_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "hycim/spec/tile_spec.hpp"
#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"
#include "sim/tech/tile_area.hpp"

namespace hycim::cim {
namespace {

// What the runtime keeps resident in a persistent NVM, from its catalog next
// to the image (resident_catalog.hpp), read without taking its lock: a
// summary; nvm_listing() has the blocks. Null when there is none.
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

nlohmann::json faults_report(const std::optional<driver::DeviceInfo::Faults>& f) {
  if (!f) return nullptr;
  return {{"model", f->model},
          {"seed", f->seed},
          {"ecc", f->ecc},
          {"temp_c", f->temp_c},
          {"verify_retries", f->verify_retries},
          {"spare_rows", f->spare_rows}};
}

}  // namespace

std::vector<driver::TileHealth> read_tile_health(const driver::Device& dev) {
  std::vector<driver::TileHealth> out(dev.capabilities().tiles);
  for (uint32_t t = 0; t < out.size(); ++t)
    if (const driver::Status st = dev.tile_health(t, &out[t]); st != driver::Status::kOk)
      throw driver::DriverError(st, fmt::format("{}: reading tile {}'s NVM health: {}", dev.uri(),
                                                t, driver::to_string(st)));
  return out;
}

nlohmann::json tile_health_counts(const driver::TileHealth& h) {
  nlohmann::json j = nlohmann::json::object();
  for (const driver::TileHealthCount& c : driver::kTileHealthCounts) j[c.name] = h.*c.field;
  return j;
}

nlohmann::json tile_health_report(std::span<const driver::TileHealth> tiles) {
  nlohmann::json all = nlohmann::json::array();
  driver::TileHealth total{};
  for (size_t t = 0; t < tiles.size(); ++t) {
    nlohmann::json j = tile_health_counts(tiles[t]);
    j["tile"] = t;
    all.push_back(std::move(j));
    for (const driver::TileHealthCount& c : driver::kTileHealthCounts)
      total.*c.field += tiles[t].*c.field;
  }
  return {{"tiles", std::move(all)}, {"total", tile_health_counts(total)}};
}

nlohmann::json nvm_listing_block(const ResidentBlock& b) {
  return {{"tile", b.tile},   {"row", b.row},   {"rows", b.rows},
          {"label", b.label}, {"hash", b.hash}, {"last_used", b.last_used},
          {"owner", b.owner}};
}

std::string block_access(std::span<const driver::RowAccess> tile_access, const ResidentBlock& b) {
  if (b.row >= tile_access.size()) return "unknown";
  const driver::RowAccess first = tile_access[b.row];
  for (uint32_t r = b.row; r < b.row + b.rows && r < tile_access.size(); ++r)
    if (tile_access[r] != first) return "mixed";
  return driver::to_string(first);
}

Capacity weight_capacity(uint64_t tiles, uint64_t nvm_rows, uint64_t lanes, uint64_t wbits) {
  const uint64_t w = tiles * nvm_rows * lanes;
  return {w, w * wbits / 8};
}

std::string technology_of(const std::string& uri) {
  const size_t q = uri.find('?');
  if (uri.rfind("sim://", 0) != 0 || q == std::string::npos) return tech::kDefaultTechnology;
  for (size_t from = q + 1; from <= uri.size();) {
    const size_t end = std::min(uri.find('&', from), uri.size());
    if (uri.compare(from, 5, "tech=") == 0) return uri.substr(from + 5, end - from - 5);
    from = end + 1;
  }
  return tech::kDefaultTechnology;
}

nlohmann::json device_report(const std::string& uri, const driver::Capabilities& c,
                             const driver::DeviceInfo& i,
                             std::span<const driver::TileHealth> health, const std::string& tech) {
  namespace sd = spec::device;
  const auto version = sd::fields::Version::unpack(c.version);
  const Capacity cap = weight_capacity(c.tiles, c.nvm_rows, c.lanes, c.wbits);
  return {
      {"uri", uri},
      {"backend", i.backend},
      {"id", fmt::format("{:#010x}", c.id)},
      {"instance", i.id},
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
      {"capacity", {{"weights", cap.weights}, {"bytes", cap.bytes}}},
      {"nvm",
       {{"persistent", (c.flags & sd::cap_flags::kPersistentNvm) != 0},
        {"image", i.nvm_image},
        {"rows_programmed", i.nvm_rows_programmed},
        {"owner", i.owner},
        {"rows_owned", i.nvm_rows_owned},
        {"max_wear", i.nvm_max_wear},
        {"resident", resident_summary(i.nvm_image)},
        {"faults", faults_report(i.faults)},
        {"ecc", tile_health_report(health)}}},
      {"area", area_report(array_of(c, i), c.tiles,
                           tech::load_technology(tech.empty() ? technology_of(uri) : tech))},
      {"contexts", i.contexts},
      {"commands_completed", i.commands},
  };
}

nlohmann::json usage_report(const driver::Usage& u) {
  nlohmann::json j = nlohmann::json::object();
  for (const driver::UsageCount& c : driver::kUsageCounts) j[c.name] = u.*c.field;
  for (const driver::UsageEnergy& e : driver::kUsageEnergies) j[e.name] = u.*e.field;
  j["energy_total_pj"] = u.energy_total_pj;
  j["device_time_ns"] = u.device_time_ns;
  return j;
}

nlohmann::json nvm_listing(DriverEngine& engine, NvmResidency& residency) {
  const Geometry g = engine.geometry();
  const uint64_t total = uint64_t{g.tiles} * g.nvm_rows;
  // Every tile's access first: the free rows leave other owners' out.
  std::vector<std::vector<driver::RowAccess>> access(g.tiles);
  uint64_t owned = 0;
  for (uint32_t t = 0; t < g.tiles; ++t) {
    access[t] = residency.row_access(engine, t);
    owned += std::count_if(access[t].begin(), access[t].end(), is_mine);
  }
  nlohmann::json j{{"device", engine.describe()},
                   {"catalog", residency.catalog_path().string()},
                   {"rows_total", total},
                   {"rows_used", residency.used_rows()},
                   {"rows_free", residency.free_rows()},  // neither used nor worn out
                   {"utilization", double(residency.used_rows()) / double(total)},
                   {"owner", engine.owner()},
                   {"rows_owned", owned},
                   {"blocks", nlohmann::json::array()}};
  for (const auto& b : residency.blocks()) {
    nlohmann::json block = nvm_listing_block(b);
    block["access"] = b.tile < access.size() ? block_access(access[b.tile], b) : "unknown";
    j["blocks"].push_back(std::move(block));
  }
  return j;
}

nlohmann::json presets_report() {
  const tech::Technology default_tech = tech::load_technology(tech::kDefaultTechnology);
  nlohmann::json all = nlohmann::json::array();
  for (const auto& p : spec::device::kDevicePresets) {
    const auto& named = spec::kNamedTileConfigs;
    const spec::TileConfig& t = *std::find_if(named.begin(), named.end(), [&](const auto& c) {
      return c.name == p.tile_config;  // gen_spec checked that it exists
    });
    const Capacity cap = weight_capacity(p.tiles, t.nvm_rows, t.lanes, t.wbits);
    all.push_back({{"name", p.name},
                   {"uri", fmt::format("sim://?preset={}", p.name)},
                   {"tiles", p.tiles},
                   {"tile_config", p.tile_config},
                   {"weights", cap.weights},
                   {"bytes", cap.bytes},
                   {"area", area_report({t, tech::WeightCell::kNvm}, p.tiles, default_tech)},
                   {"doc", p.doc}});
  }
  return all;
}

spec::TileConfig tile_of(const driver::Capabilities& c) {
  spec::TileConfig t{};
  t.name = "device";
  t.lanes = c.lanes;
  t.wbits = c.wbits;
  t.xbits = c.xbits;
  t.nvm_rows = c.nvm_rows;
  t.sram_rows = c.sram_rows;
  t.rows_per_cycle = c.rows_per_cycle;
  t.acc_bits = c.acc_bits;
  return t;
}

tech::CimArray array_of(const driver::Capabilities& c, const driver::DeviceInfo& i) {
  tech::CimArray a{tile_of(c), tech::WeightCell::kNvm};
  a.secded = i.faults && i.faults->ecc == "secded";
  a.spare_rows = i.faults ? i.faults->spare_rows : 0;
  return a;
}

nlohmann::json area_report(const tech::CimArray& array, uint32_t tiles,
                           const tech::Technology& tech) {
  const spec::TileConfig& tile = array.tile;
  const tech::DeviceArea a = tech::device_area(array, tiles, tech);
  const double ops_per_cycle = 2.0 * tile.rows_per_cycle * tile.lanes / 8 * tiles;
  const double tops = ops_per_cycle * tech.clock_mhz.value * 1e-6;
  nlohmann::json j = a.to_json();
  j["technology"] = tech.name;
  j["node_nm"] = tech.node_nm.value;
  j["vdd"] = tech.vdd.value;
  j["clock_mhz"] = tech.clock_mhz.value;
  j["peak_tops"] = tops;
  j["tops_mm2"] = tops / a.total_mm2();
  return j;
}

}  // namespace hycim::cim
