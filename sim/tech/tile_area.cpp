#include "sim/tech/tile_area.hpp"

namespace hycim::tech {

uint64_t adder_tree_full_adders(uint32_t rows, uint32_t wbits) {
  uint64_t adders = 0;
  uint64_t width = wbits;
  for (uint64_t n = rows; n > 1; n = (n + 1) / 2, ++width) adders += (n / 2) * width;
  return adders;
}

TileArea tile_area(const CimArray& array, const Technology& tech) {
  const spec::TileConfig& c = array.tile;
  const AreaUm2& a = tech.area_um2;
  const double bits_per_row = double(c.lanes) * c.wbits;
  const double weight_cell =
      array.weight_cell == WeightCell::kNvm ? a.nvm_cell.value : a.sram_cell.value;
  TileArea t;
  t.weight_cells = double(c.nvm_rows) * bits_per_row * weight_cell;
  t.buffer_cells = double(c.sram_rows) * bits_per_row * a.sram_cell.value;
  t.wordline_drivers = double(c.rows()) * a.wordline_driver.value;
  t.adder_trees = double(c.lanes) *
                  double(adder_tree_full_adders(c.rows_per_cycle, array.tree_input_bits())) *
                  a.full_adder.value;
  t.transfer_region = double(c.lanes) * c.acc_bits * (a.full_adder.value + a.flip_flop.value);
  t.controller = a.controller.value;
  t.periphery = tech.periphery.value * (t.weight_cells + t.buffer_cells + t.wordline_drivers +
                                        t.adder_trees + t.transfer_region + t.controller);
  return t;
}

nlohmann::json TileArea::to_json() const {
  return {{"weight_cells_um2", weight_cells},
          {"buffer_cells_um2", buffer_cells},
          {"wordline_drivers_um2", wordline_drivers},
          {"adder_trees_um2", adder_trees},
          {"transfer_region_um2", transfer_region},
          {"controller_um2", controller},
          {"periphery_um2", periphery},
          {"total_mm2", total() * 1e-6}};
}

DeviceArea device_area(const CimArray& array, uint32_t tiles, const Technology& tech) {
  return {tile_area(array, tech), tiles, tech.area_um2.host_interface.value};
}

nlohmann::json DeviceArea::to_json() const {
  return {{"tile", tile.to_json()},
          {"tiles", tiles},
          {"host_interface_um2", host_interface},
          {"total_mm2", total_mm2()}};
}

}  // namespace hycim::tech
