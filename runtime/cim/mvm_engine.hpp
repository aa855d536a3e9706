// What the runtime needs from a CIM device: weight blocks programmed into NVM
// rows of a tile, int8/uint8 matrix-vector products over them, cycle counts.
// The runtime talks only to this interface; TileEngine (tile_engine.hpp)
// implements it over sim/tile Tile objects today, the driver (issue 4) will
// implement it over a device later.
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace hycim::cim {

struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Geometry {
  uint32_t tiles = 0;
  uint32_t lanes = 0;     // outputs of one MVM (columns of a weight block)
  uint32_t nvm_rows = 0;  // weight rows per tile (K of one block at most)
  uint32_t max_k = 0;     // inputs one MVM accepts (<= nvm_rows; SRAM holds them)
  double clock_mhz = 0;   // to turn cycles into simulated time
};

class MvmEngine {
 public:
  virtual ~MvmEngine() = default;
  virtual Geometry geometry() const = 0;
  // Programs rows.size()/lanes consecutive NVM rows of `tile` from `first_row`;
  // row r's lane l is rows[r*lanes + l] (an int8 or uint8 bit pattern).
  virtual void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) = 0;
  // acc[l] = sum_k x[k] * W[first_row + k][l] for k < x.size(), lanes l < acc.size(),
  // with x and W read as signed or unsigned 8-bit values.
  virtual void mvm(uint32_t tile, uint32_t first_row, std::span<const uint8_t> x, bool xsigned,
                   bool wsigned, std::span<int32_t> acc) = 0;
  // Cycles tile `tile` has run since it was created.
  virtual uint64_t cycles(uint32_t tile) const = 0;
  // Modelled energy tile `tile` has spent since it was created, in pJ.
  virtual double energy_pj(uint32_t tile) const = 0;
  // "4 x fast-model tile 'default' (512 NVM rows x 32 lanes)" for reports.
  virtual std::string describe() const = 0;
};

}  // namespace hycim::cim
