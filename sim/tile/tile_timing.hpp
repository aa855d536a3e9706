// Cycle formulas of the tile: the fast model computes its cycle counts with
// these, the RTL must take exactly as many cycles (tests/tile checks it), and
// docs/device.md quotes them from spec/hycim.json.
#pragma once
#include <algorithm>
#include <cstdint>

#include "hycim/spec/tile_spec.hpp"

namespace hycim::tile::timing {

constexpr uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// Accept cycle + one cycle per SRAM row of inputs latched into the word-line
// driver + per input bit one cycle per group of ROWS_PER_CYCLE weight rows (the
// transfer region's shift-and-add happens in the last group's cycle).
constexpr uint64_t mvm_cycles(const spec::TileConfig& c, uint32_t k, uint32_t xbits) {
  return 1 + ceil_div(k, c.lanes) + uint64_t{xbits} * ceil_div(k, c.rows_per_cycle);
}

// Accept cycle (both rows latched) + one shift-and-add per multiplier bit.
constexpr uint64_t emul_cycles(uint32_t xbits) {
  return 1 + uint64_t{xbits};
}

// PROGRAM_NVM and SYNC wait for the single program engine: `prog_done` is the
// first cycle at which the previous program no longer holds its row.
constexpr uint64_t engine_wait(uint64_t prog_done, uint64_t now) {
  return prog_done > now ? prog_done - now : 0;
}
constexpr uint64_t program_cycles(uint64_t prog_done, uint64_t now) {
  return 1 + engine_wait(prog_done, now);
}

// A program started at cycle `start` holds its row through cycle start+PROG.
constexpr uint64_t program_done(const spec::TileConfig& c, uint64_t start) {
  return start + 1 + c.nvm_prog_cycles;
}

inline constexpr uint64_t kSimpleCycles = 1;  // NOP, WRITE_SRAM, READ_*, any error

}  // namespace hycim::tile::timing
