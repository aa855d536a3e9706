// Shape of one device's NVM: every tile has the same number of rows of the same
// width. Kept apart from the image so the tile model can name it without the
// file machinery.
#pragma once
#include <cstdint>

namespace hycim::nvm {

struct Geometry {
  uint32_t tiles = 0;
  uint32_t rows_per_tile = 0;
  uint32_t row_bytes = 0;

  uint64_t rows() const { return uint64_t{tiles} * rows_per_tile; }
  friend bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace hycim::nvm
