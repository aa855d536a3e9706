// SRAM rows time-shared between owners (docs/driver.md "Row ownership").
//
// A tile's SRAM rows are scratch every owner's commands use (the runtime
// stages every MVM's inputs in the first ones), so they are not claimed like
// NVM rows: each physical row holds one owner's contents at a time, and
// before a command of owner O touches a row holding owner P's, the engine
// saves P's contents and puts back O's (zeros when O has none), as a context
// switch saves registers. Every owner sees exactly the SRAM it wrote, and no
// READ_SRAM or INPUT_IN_SRAM MVM sees another owner's inputs. The copies go
// through the tiles' backdoor (peek_row/poke_row): they cost no simulated
// time or energy, which a real device's save/restore path would.
#pragma once
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "driver/sim/engine/platform.hpp"

namespace hycim::driver {

class SramShadow {
 public:
  SramShadow(uint32_t tiles, uint32_t nvm_rows, uint32_t sram_rows);

  // Makes SRAM row `row` (a tile row number, NVM rows first) of `tile` hold
  // owner `who`'s contents.
  void make_current(Platform& p, uint32_t tile, uint32_t row, uint16_t who);
  // Zeroes every row holding `who`'s contents and drops what was saved of
  // it: a reset of its SRAM, or its last context gone.
  void forget(Platform& p, uint16_t who);
  // Every row holding some owner's contents, copied out before a device
  // RESET (which zeroes SRAM) and written back after it.
  std::vector<std::pair<size_t, std::vector<uint8_t>>> save_all(Platform& p) const;
  void restore_all(Platform& p, const std::vector<std::pair<size_t, std::vector<uint8_t>>>& rows);

 private:
  size_t index(uint32_t tile, uint32_t row) const {
    return size_t{tile} * sram_rows_ + (row - nvm_rows_);
  }
  uint32_t nvm_rows_, sram_rows_;
  std::vector<uint16_t> holder_;  // per physical row: whose contents it holds; 0 nobody's (zeros)
  std::map<std::pair<uint16_t, size_t>, std::vector<uint8_t>> saved_;  // (owner, row index)
};

}  // namespace hycim::driver
