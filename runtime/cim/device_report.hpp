// A device described as JSON: capabilities, weight capacity, NVM state and
// the residency catalog's summary, a context's usage counters, the blocks
// resident in NVM, the spec's named presets. One description for every
// front end: `hycim info`, `hycim nvm list` and the Python package print
// these objects, so their fields and names are the same everywhere.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "driver/driver.hpp"

namespace hycim::cim {

class DriverEngine;
class NvmResidency;
struct ResidentBlock;

// Weights a device's NVM holds: every tile's NVM rows x lanes, WBITS each.
struct Capacity {
  uint64_t weights, bytes;
};
Capacity weight_capacity(uint64_t tiles, uint64_t nvm_rows, uint64_t lanes, uint64_t wbits);

// uri, backend, id, version, capabilities, capacity, nvm (with the resident
// catalog's summary, read without taking its lock), contexts, commands.
nlohmann::json device_report(const std::string& uri, const driver::Capabilities& caps,
                             const driver::DeviceInfo& info);
// The fields of driver::Usage by their C names.
nlohmann::json usage_report(const driver::Usage& u);
// device, catalog, rows_total/used/free, utilization and every block.
nlohmann::json nvm_listing(const DriverEngine& engine, const NvmResidency& residency);
// One resident block: tile, row, rows, label, hash, last_used.
nlohmann::json nvm_listing_block(const ResidentBlock& b);
// The spec's named devices (sim://?preset=NAME) with their capacity.
nlohmann::json presets_report();

}  // namespace hycim::cim
