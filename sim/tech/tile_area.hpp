// Area of a tile and of a device, per component, from the tile's parameters
// and a technology (formulas: docs/device.md, "Area").
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>

#include "sim/tech/cim_array.hpp"
#include "sim/tech/technology.hpp"

namespace hycim::tech {

// um^2 at the technology's node.
struct TileArea {
  double weight_cells = 0;      // NVM_ROWS x LANES x WBITS weight cells
  double buffer_cells = 0;      // SRAM_ROWS x LANES x WBITS SRAM cells
  double wordline_drivers = 0;  // one per row
  double adder_trees = 0;       // LANES trees summing ROWS_PER_CYCLE weights
  double transfer_region = 0;   // LANES x ACC_BITS shift-and-accumulate bits
  double controller = 0;
  // With ECC (CimArray::secded), else 0: NVM_ROWS x r check cells, and the
  // codec's gates: a decoder per row raised a cycle, one encoder.
  double ecc_check_cells = 0;
  double ecc_logic = 0;
  // With spare rows (CimArray::spare_rows), else 0: their cells and drivers,
  // and a row-address register and comparator per spare.
  double spare_rows = 0;
  double periphery = 0;  // sense, I/O and routing: a fraction of the above
  // Everything but the periphery.
  double components() const {
    return weight_cells + buffer_cells + wordline_drivers + adder_trees + transfer_region +
           controller + ecc_check_cells + ecc_logic + spare_rows;
  }
  double total() const { return components() + periphery; }
  nlohmann::json to_json() const;  // um^2 per component and total_mm2
};

TileArea tile_area(const CimArray& array, const Technology& tech);

struct DeviceArea {
  TileArea tile;
  uint32_t tiles = 0;
  double host_interface = 0;  // um^2, once per device
  double total_mm2() const { return (tile.total() * tiles + host_interface) * 1e-6; }
  nlohmann::json to_json() const;
};

DeviceArea device_area(const CimArray& array, uint32_t tiles, const Technology& tech);

}  // namespace hycim::tech
