// A device described as JSON: capabilities, weight capacity, NVM state (the
// residency catalog's summary, fault setup, per-tile ECC counters), a
// context's usage counters, the blocks
// resident in NVM, the spec's named presets. One description for every
// front end: `hycim info`, `hycim nvm list` and the Python package print
// these objects, so their fields and names are the same everywhere.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "driver/driver.hpp"
#include "hycim/spec/tile_spec.hpp"
#include "sim/tech/cim_array.hpp"
#include "sim/tech/technology.hpp"

namespace hycim::cim {

class DriverEngine;
class NvmResidency;
struct ResidentBlock;

// Weights a device's NVM holds: every tile's NVM rows x lanes, WBITS each.
struct Capacity {
  uint64_t weights, bytes;
};
Capacity weight_capacity(uint64_t tiles, uint64_t nvm_rows, uint64_t lanes, uint64_t wbits);

// uri, backend, id, version, capabilities, capacity, nvm (with this context's
// owner and the NVM rows it holds, the resident
// catalog's summary, read without taking its lock, the fault setup or null,
// and `health`'s ECC counters: tile_health_report), contexts, commands, and
// area (area_report) on technology `tech` (empty: technology_of(uri)).
// Throws tech::TechError for an unknown technology.
nlohmann::json device_report(const std::string& uri, const driver::Capabilities& caps,
                             const driver::DeviceInfo& info,
                             std::span<const driver::TileHealth> health,
                             const std::string& tech = "");
// Every tile's NVM health counters (Device::tile_health, device-wide), tile i
// at index i. Throws driver::DriverError naming the device, tile and status.
std::vector<driver::TileHealth> read_tile_health(const driver::Device& dev);
// One tile's counters by their C names (driver::kTileHealthCounts).
nlohmann::json tile_health_counts(const driver::TileHealth& h);
// {"tiles": [{"tile": i, counters}...], "total": {counters summed}}.
nlohmann::json tile_health_report(std::span<const driver::TileHealth> tiles);
// The technology a device URI names: a sim:// URI's tech= option, else the
// default (tech::kDefaultTechnology).
std::string technology_of(const std::string& uri);
// The fields of driver::Usage by their C names.
nlohmann::json usage_report(const driver::Usage& u);
// device, catalog, rows_total/used/free, utilization, this context's owner
// and the NVM rows it holds (rows_owned), and every block with its `access`
// as this context's owner sees its rows (driver::to_string(RowAccess), or
// "mixed"). Asks the residency for every tile's row access.
nlohmann::json nvm_listing(DriverEngine& engine, NvmResidency& residency);
// One resident block: tile, row, rows, label, hash, last_used, owner.
nlohmann::json nvm_listing_block(const ResidentBlock& b);
// How a block's rows may be used, from its tile's row access: one access
// name (driver::to_string) when all rows agree, else "mixed".
std::string block_access(std::span<const driver::RowAccess> tile_access, const ResidentBlock& b);
// The spec's named devices (sim://?preset=NAME) with their capacity and
// area on the default technology.
nlohmann::json presets_report();
// A device's area on `tech` (sim/tech/tile_area.hpp: per tile by component,
// the host interface, the device) and its peak int8 throughput at the
// technology's clock: every tile raising ROWS_PER_CYCLE rows a cycle, 8-bit
// inputs, one op per multiply and one per add.
nlohmann::json area_report(const tech::CimArray& array, uint32_t tiles,
                           const tech::Technology& tech);
// The tile geometry a driver reports.
spec::TileConfig tile_of(const driver::Capabilities& caps);
// The array a driver reports: its tile geometry, weights in NVM, and SEC-DED
// on the NVM rows when its fault setup has ECC (DeviceInfo::faults), so the
// area and leakage include the code's check cells and gates.
tech::CimArray array_of(const driver::Capabilities& caps, const driver::DeviceInfo& info);

}  // namespace hycim::cim
