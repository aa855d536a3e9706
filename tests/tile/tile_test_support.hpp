// Shared helpers of the tile tests: random state and commands, whole-tile
// snapshots, and the reference result of a command computed from a snapshot.
#pragma once
#include <gtest/gtest.h>

#include <ostream>
#include <random>
#include <vector>

#include "sim/tile/tile.hpp"
#include "sim/tile/tile_reference.hpp"

namespace hycim::spec {
inline void PrintTo(const TileConfig& c, std::ostream* os) {
  *os << c.name;
}
}  // namespace hycim::spec

namespace hycim::tile::testing {

struct Snapshot {
  std::vector<std::vector<uint8_t>> rows;
  std::vector<uint32_t> wear;
  bool operator==(const Snapshot&) const = default;
};

inline Snapshot snapshot(const Tile& t) {
  Snapshot s;
  for (uint32_t r = 0; r < t.config().rows(); ++r) s.rows.push_back(t.peek_row(r));
  for (uint32_t r = 0; r < t.config().nvm_rows; ++r) s.wear.push_back(t.peek_wear(r));
  return s;
}

inline std::vector<uint8_t> random_lanes(std::mt19937& rng, uint32_t lanes) {
  std::vector<uint8_t> v(lanes);
  for (auto& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

// The reference answer of an MVM or EMUL that the tile accepted, from the
// array contents before the command.
inline std::vector<int64_t> reference_result(const Snapshot& s, const TileConfig& cfg,
                                             const Command& c) {
  using reference::lane_value;
  if (c.op == Opcode::kEmul) {
    std::vector<int64_t> a, b;
    for (uint32_t l = 0; l < cfg.lanes; ++l) {
      a.push_back(lane_value(s.rows[c.row][l], c.wbits, c.wsigned));
      b.push_back(lane_value(s.rows[c.row2][l], c.xbits, c.xsigned));
    }
    return reference::emul(a, b);
  }
  std::vector<std::vector<int64_t>> w(c.count, std::vector<int64_t>(cfg.lanes));
  std::vector<int64_t> x(c.count);
  for (uint32_t k = 0; k < c.count; ++k) {
    for (uint32_t l = 0; l < cfg.lanes; ++l)
      w[k][l] = lane_value(s.rows[c.row + k][l], c.wbits, c.wsigned);
    x[k] = lane_value(s.rows[c.row2 + k / cfg.lanes][k % cfg.lanes], c.xbits, c.xsigned);
  }
  return reference::mvm(w, x);
}

inline std::vector<int64_t> widen(const std::vector<int32_t>& v) {
  return {v.begin(), v.end()};
}

// A legal MVM with random placement, K, widths and signedness.
inline Command random_mvm(std::mt19937& rng, const TileConfig& cfg, uint8_t xbits, uint8_t wbits) {
  const uint32_t max_k = std::min(cfg.rows(), cfg.sram_rows * cfg.lanes);
  const uint32_t k = 1 + rng() % max_k;
  const uint32_t w_row = rng() % (cfg.rows() - k + 1);
  const uint32_t x_rows = (k + cfg.lanes - 1) / cfg.lanes;
  const uint32_t x_row = cfg.nvm_rows + rng() % (cfg.sram_rows - x_rows + 1);
  return Command::mvm(w_row, k, x_row, xbits, rng() & 1, wbits, rng() & 1);
}

inline Command random_emul(std::mt19937& rng, const TileConfig& cfg) {
  return Command::emul(rng() % cfg.nvm_rows, cfg.nvm_rows + rng() % cfg.sram_rows,
                       1 + rng() % cfg.xbits, rng() & 1, 1 + rng() % cfg.wbits, rng() & 1);
}

// Fills every row with random lanes through the backdoor.
inline void randomize(Tile& t, std::mt19937& rng) {
  for (uint32_t r = 0; r < t.config().rows(); ++r)
    t.poke_row(r, random_lanes(rng, t.config().lanes));
}

}  // namespace hycim::tile::testing
