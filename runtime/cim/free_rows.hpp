// The free NVM rows of a device as gaps (runs of free rows on one tile),
// indexed by length so that best fit (the shortest gap a block fits in) is
// one lookup: dense placement on a 4096-tile device stays O(log gaps) per
// block. A plain value: the placement planner copies it to try a plan
// before anything is programmed.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

namespace hycim::cim {

struct Gap {
  uint32_t tile = 0, row = 0, rows = 0;
};

class FreeRows {
 public:
  FreeRows() = default;
  // Every row of `tiles` tiles of `rows_per_tile` rows free.
  FreeRows(uint32_t tiles, uint32_t rows_per_tile);

  // Marks rows [row, row + rows) of `tile` taken; they must be free.
  // Returns false (and changes nothing) when some are not.
  bool take(uint32_t tile, uint32_t row, uint32_t rows);
  // Marks them free again, merging with free neighbours; they must be taken.
  void give(uint32_t tile, uint32_t row, uint32_t rows);

  // The shortest gap of at least `rows` rows; among gaps of that length the
  // first on a tile >= `from_tile` (wrapping), so equal choices rotate over
  // the tiles and a layer's blocks land side by side. nullopt: none.
  std::optional<Gap> best_fit(uint32_t rows, uint32_t from_tile = 0) const;
  // The same among tiles `avoid` does not name (a matrix's blocks prefer
  // tiles it does not use yet, so they run side by side); falls back to any
  // tile when none of the others has room. With `ties_only`, `avoid` only
  // breaks ties between gaps of the shortest length that fits, so the
  // packing stays exactly as dense as plain best fit.
  std::optional<Gap> best_fit(uint32_t rows, uint32_t from_tile,
                              const std::function<bool(uint32_t)>& avoid,
                              bool ties_only = false) const;
  // The longest gap (worst fit) on a tile `avoid` does not name, equal
  // lengths rotating from `from_tile`; any tile when those have no room.
  // Spreads a model that fits comfortably evenly over every tile (and every
  // device of a group), so its layers and requests overlap.
  std::optional<Gap> worst_fit(uint32_t rows, uint32_t from_tile,
                               const std::function<bool(uint32_t)>& avoid) const;
  // Free gaps of one tile, in row order.
  std::vector<Gap> gaps(uint32_t tile) const;

  uint64_t free_rows() const { return free_; }
  uint32_t tiles() const { return static_cast<uint32_t>(by_tile_.size()); }
  uint32_t rows_per_tile() const { return rows_per_tile_; }

 private:
  using Key = std::tuple<uint32_t, uint32_t, uint32_t>;  // (rows, tile, row)
  std::set<Key> by_length_;
  std::vector<std::map<uint32_t, uint32_t>> by_tile_;  // per tile: first row -> rows
  uint32_t rows_per_tile_ = 0;
  uint64_t free_ = 0;
};

}  // namespace hycim::cim
