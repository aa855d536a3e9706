#include "sim/tech/tile_area.hpp"

#include <bit>

namespace hycim::tech {

uint64_t adder_tree_full_adders(uint32_t rows, uint32_t wbits) {
  uint64_t adders = 0;
  uint64_t width = wbits;
  for (uint64_t n = rows; n > 1; n = (n + 1) / 2, ++width) adders += (n / 2) * width;
  return adders;
}

namespace {

// One SEC-DED decoder (syndrome, corrector) per row the tile raises in a
// cycle, between the row's sense amplifiers and the lane adder trees, and one
// encoder at the program port.
double ecc_logic_area(const CimArray& array, const AreaUm2& a) {
  const SecdedGates g = array.ecc();
  const double decoder = double(g.syndrome_xors + g.corrector_xors) * a.xor2.value +
                         double(g.corrector_and2s) * a.and2.value;
  const double encoder = double(g.encoder_xors) * a.xor2.value;
  return double(array.tile.rows_per_cycle) * decoder + encoder;
}

// A spare row is a row like the others (weight and check cells, a word-line
// driver); the decoder reaches it through a register holding the address of
// the row it replaces and an equality comparator on every access (one XOR a
// bit, an AND tree over them), as a redundancy CAM does.
double spare_rows_area(const CimArray& array, const AreaUm2& a) {
  const spec::TileConfig& c = array.tile;
  const uint32_t address_bits = std::bit_width(c.rows() - 1);
  const double cells = double(c.lanes) * c.wbits * a.nvm_cell.value +
                       double(array.ecc().check_bits) * a.nvm_cell.value;
  const double steer =
      address_bits * (a.flip_flop.value + a.xor2.value) + double(address_bits - 1) * a.and2.value;
  return double(array.spare_rows) * (cells + a.wordline_driver.value + steer);
}

}  // namespace

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
  t.ecc_check_cells = double(c.nvm_rows) * array.ecc().check_bits * a.nvm_cell.value;
  t.ecc_logic = ecc_logic_area(array, a);
  t.spare_rows = spare_rows_area(array, a);
  t.periphery = tech.periphery.value * t.components();
  return t;
}

nlohmann::json TileArea::to_json() const {
  return {{"weight_cells_um2", weight_cells},
          {"buffer_cells_um2", buffer_cells},
          {"wordline_drivers_um2", wordline_drivers},
          {"adder_trees_um2", adder_trees},
          {"transfer_region_um2", transfer_region},
          {"controller_um2", controller},
          {"ecc_check_cells_um2", ecc_check_cells},
          {"ecc_logic_um2", ecc_logic},
          {"spare_rows_um2", spare_rows},
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
