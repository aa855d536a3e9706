// Cycle formulas of the tile: the fast model computes its cycle counts with
// these, the RTL must take exactly as many cycles (tests/tile checks it). The
// formulas themselves are spec/hycim.json's, generated into spec::cycles and
// quoted in docs/device.md; this header only gives them the model's names.
#pragma once
#include <cstdint>

#include "hycim/spec/tile_spec.hpp"

namespace hycim::tile::timing {

using spec::cycles::ceil_div;

constexpr uint64_t mvm_cycles(const spec::TileConfig& c, uint32_t k, uint32_t xbits) {
  return spec::cycles::mvm(c, k, xbits);
}

constexpr uint64_t emul_cycles(uint32_t xbits) {
  return spec::cycles::emul(spec::TileConfig{}, xbits);
}

// PROGRAM_NVM and SYNC wait for the single program engine: `prog_done` is the
// first cycle at which the previous program no longer holds its row.
constexpr uint64_t program_cycles(uint64_t prog_done, uint64_t now) {
  return spec::cycles::program(spec::TileConfig{}, prog_done, now);
}
constexpr uint64_t engine_wait(uint64_t prog_done, uint64_t now) {
  return program_cycles(prog_done, now) - 1;
}

// A program started at cycle `start` holds its row through cycle start+PROG.
constexpr uint64_t program_done(const spec::TileConfig& c, uint64_t start) {
  return start + 1 + c.nvm_prog_cycles;
}

inline constexpr uint64_t kSimpleCycles = spec::cycles::simple(spec::TileConfig{});

}  // namespace hycim::tile::timing
