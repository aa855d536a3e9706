// Shape of one device's NVM: every tile has the same number of rows of the same
// width, and the same number of spare rows after them that a failing row can be
// moved to. Kept apart from the image so the tile model can name it without
// the file machinery.
#pragma once
#include <cstdint>

namespace hycim::nvm {

struct Geometry {
  uint32_t tiles = 0;
  uint32_t rows_per_tile = 0;  // the rows a tile addresses
  uint32_t row_bytes = 0;
  uint32_t spare_rows = 0;  // per tile, after its rows_per_tile rows

  uint32_t physical_rows_per_tile() const { return rows_per_tile + spare_rows; }
  // The rows a device addresses, spares not counted.
  uint64_t rows() const { return uint64_t{tiles} * rows_per_tile; }
  // The rows the image stores, spares included.
  uint64_t physical_rows() const { return uint64_t{tiles} * physical_rows_per_tile(); }
  friend bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace hycim::nvm
