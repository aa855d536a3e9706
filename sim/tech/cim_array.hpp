// What the energy and area formulas need to know about an array beyond the
// tile's parameters: which kind of cell holds the weights it multiplies. The
// hycim tile multiplies NVM rows; the published SRAM macros are described as
// tiles whose weight rows are SRAM (sim/tech/macro.hpp).
#pragma once
#include <cstdint>

#include "hycim/spec/tile_spec.hpp"
#include "sim/tech/secded_gates.hpp"

namespace hycim::tech {

enum class WeightCell { kNvm, kSram };

struct CimArray {
  spec::TileConfig tile;  // geometry: nvm_rows hold the weights
  WeightCell weight_cell = WeightCell::kNvm;
  // How inputs reach the trees. The hycim tile: one bit a cycle, latched in
  // its SRAM rows. Published macros may take two bits a cycle, radix-4 Booth
  // digits (one partial product per two bits, zero when the three bits it
  // reads agree) and input registers instead of SRAM rows.
  uint32_t input_bits_per_cycle = 1;
  bool booth = false;
  bool input_registers = false;
  // The NVM rows carry a Hsiao SEC-DED code over their LANES x WBITS bits:
  // check cells beside each row, a decoder behind each row the tile raises in
  // a cycle, an encoder at the program port (docs/device.md, "NVM faults, ECC
  // and ageing"). A device has it when its fault model says `ecc: secded`.
  bool secded = false;
  // Spare NVM rows a tile keeps for rows that fail write-verify (the fault
  // setup's spare_rows): their cells (check cells too), word-line drivers
  // and, per spare, the register and comparator that steer its row address.
  uint32_t spare_rows = 0;

  // Bits of one partial product entering a lane's tree.
  uint32_t tree_input_bits() const { return tile.wbits + (booth ? 1 : input_bits_per_cycle - 1); }
  // The row code's gates; all zero without ECC.
  SecdedGates ecc() const { return secded_gates(secded ? tile.lanes * tile.wbits : 0); }
};

// Full adders in one lane's adder tree: a binary tree of ripple adders summing
// `rows` numbers of `wbits` bits, each level one bit wider than the one below
// (exact count, not an estimate: level by level, floor(n/2) adders).
uint64_t adder_tree_full_adders(uint32_t rows, uint32_t wbits);

}  // namespace hycim::tech
