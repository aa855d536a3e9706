#include "sim/tech/cim_energy.hpp"

#include <cmath>

#include "sim/tech/tile_area.hpp"

namespace hycim::tech {
namespace {

// Per raised row and plane, the r check cells are read with the data (as
// lane_add's cells) and the syndrome trees switch; per program pulse the r
// check cells are programmed and the encoder's trees switch. The corrector
// switches only on a non-zero syndrome, which is rare, so it is not charged.
void add_ecc_energy(const spec::TileConfig& c, const EnergyFj& e, TileEventEnergy& t) {
  constexpr double kPj = 1e-3;
  const SecdedGates g = secded_gates(c.lanes * c.wbits);
  t.ecc_row_read = (g.check_bits * (e.wordline_cell.value + e.nvm_cell_read.value) +
                    g.syndrome_xors * e.xor2.value) *
                   kPj;
  t.ecc_row_program =
      (g.check_bits * e.nvm_program_bit.value + g.encoder_xors * e.xor2.value) * kPj;
}

}  // namespace

TileEventEnergy tile_event_energy(const CimArray& array, const Technology& tech) {
  const spec::TileConfig& c = array.tile;
  const EnergyFj& e = tech.energy_fj;
  const double cell_read =
      array.weight_cell == WeightCell::kNvm ? e.nvm_cell_read.value : e.sram_cell_read.value;
  constexpr double kPj = 1e-3;  // fJ -> pJ
  TileEventEnergy t;
  t.lane_add = c.wbits * (e.wordline_cell.value + cell_read) * kPj;
  t.weight_one = e.tree_one.value * kPj;
  t.shift_add = c.acc_bits * e.accumulate_bit.value * kPj;
  t.sram_byte = 8 * e.sram_access_bit.value * kPj;
  t.nvm_program_byte = 8 * e.nvm_program_bit.value * kPj;
  t.dma_byte = 8 * e.link_bit.value * kPj;
  if (array.weight_cell == WeightCell::kNvm) add_ecc_energy(c, e, t);
  t.leakage_mw = tile_area(array, tech).total() * tech.leakage_nw_per_um2.value * 1e-6;
  return t;
}

MvmEnergy mvm_energy(const CimArray& array, const Technology& tech, uint32_t k, uint32_t xbits,
                     const Activity& a, double ns) {
  const spec::TileConfig& c = array.tile;
  const TileEventEnergy ev = tile_event_energy(array, tech);
  // Rows raised, summed over the steps: a bit-serial step raises the rows
  // whose input bit is set; a Booth step raises those whose digit is not 0.
  double raised = 0, steps = 0;
  if (array.booth) {
    const double p = a.input_ones, zero = p * p * p + (1 - p) * (1 - p) * (1 - p);
    steps = std::ceil(xbits / 2.0);
    raised = double(k) * steps * (1 - zero);
  } else {
    steps = std::ceil(double(xbits) / array.input_bits_per_cycle);
    raised = double(k) * xbits * a.input_ones;
  }
  MvmEnergy m;
  m.array = raised * c.lanes * ev.lane_add;
  m.tree = raised * c.lanes * c.wbits * a.weight_ones * ev.weight_one;
  m.shift_add = steps * c.lanes * ev.shift_add;
  // Inputs in registers cost per bit; in SRAM rows, as the device charges
  // them, per byte of the whole rows they fill.
  m.input = array.input_registers ? double(k) * xbits * tech.energy_fj.register_bit.value * 1e-3
                                  : double((k + c.lanes - 1) / c.lanes) * c.lanes * ev.sram_byte;
  m.ecc = array.secded ? raised * ev.ecc_row_read : 0;
  m.leakage = ev.leakage_mw * ns;  // mW x ns = pJ
  return m;
}

}  // namespace hycim::tech
