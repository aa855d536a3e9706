// Energy of the tile's events from a technology (formulas: docs/device.md,
// "Energy"). The device charges these per event over the data each command
// actually moves (sim/device/command_runner.cpp); mvm_energy() gives the same
// sum for an MVM whose data is described only by its bit densities, which is
// how published macros state their operating point.
#pragma once
#include <cstdint>

#include "sim/tech/cim_array.hpp"
#include "sim/tech/technology.hpp"

namespace hycim::tech {

// pJ per event.
struct TileEventEnergy {
  double lane_add = 0;    // a raised row, per lane: its word line and WBITS cells read
  double weight_one = 0;  // a 1 bit of a raised row's weight entering the lane's adder tree
  double shift_add = 0;   // one lane's ACC_BITS-bit shift-and-accumulate, per bit plane
  double sram_byte = 0;   // a byte written to or read from a row
  double nvm_program_byte = 0;
  double dma_byte = 0;
  // The row code's share (SEC-DED over LANES x WBITS, sim/tech/secded_gates.hpp),
  // charged only by a device whose rows carry it; 0 for SRAM weights.
  double ecc_row_read = 0;     // a raised row, per bit plane: its check cells and syndrome
  double ecc_row_program = 0;  // a row's program pulse: its check cells and the encoder
  double leakage_mw = 0;       // static power of one tile
};

TileEventEnergy tile_event_energy(const CimArray& array, const Technology& tech);

// Bit densities of an MVM's operands: the fraction of input bits set (the
// rows raised per bit plane) and of weight bits set.
struct Activity {
  double input_ones = 0.5;
  double weight_ones = 0.5;
};

// pJ of one MVM over `k` weight rows with `xbits`-bit inputs, its data of the
// given densities, lasting `ns` (leakage).
struct MvmEnergy {
  double array = 0;      // lane_add x rows raised x lanes
  double tree = 0;       // weight_one x weight bits set in the raised rows
  double shift_add = 0;  // shift_add x accumulate steps x lanes
  double input = 0;      // inputs latched: whole SRAM rows, or K x xbits register bits
  double ecc = 0;        // ecc_row_read x rows raised, when the array has ECC
  double leakage = 0;
  double total() const { return array + tree + shift_add + input + ecc + leakage; }
};

MvmEnergy mvm_energy(const CimArray& array, const Technology& tech, uint32_t k, uint32_t xbits,
                     const Activity& activity, double ns);

}  // namespace hycim::tech
