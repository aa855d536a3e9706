// The fast C++ model of one tile: results computed as integer dot products and
// cycle counts from tile_timing.hpp, never by stepping cycles. Bit- and
// cycle-exact with the RTL (rtl/hycim_tile.sv).
#pragma once
#include <cstdint>
#include <vector>

#include "sim/tile/mvm_kernel.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::tile {

class TileModel final : public Tile {
 public:
  // `kernel` picks the inner loops (mvm_kernel.hpp); TileError when this CPU
  // cannot run it.
  explicit TileModel(const TileConfig& cfg, MvmKernel kernel = default_mvm_kernel());
  MvmKernel kernel() const { return kernel_; }

  const TileConfig& config() const override { return cfg_; }
  using Tile::execute;
  void execute(const Command& cmd, Result& result) override;
  void idle(uint64_t cycles) override { now_ += cycles; }
  uint64_t now() const override { return now_; }

  std::vector<uint8_t> peek_row(uint32_t row) const override;
  void poke_row(uint32_t row, std::span<const uint8_t> lanes) override;
  uint32_t peek_wear(uint32_t row) const override;
  void poke_wear(uint32_t row, uint32_t wear) override;

  // The status the tile answers for `cmd` at cycle now(), before running it.
  Status check(const Command& cmd) const;

 private:
  bool busy(uint32_t row) const { return row == prog_row_ && now_ < prog_done_; }
  bool busy_in(uint32_t first, uint32_t count) const {
    return now_ < prog_done_ && prog_row_ >= first && prog_row_ - first < count;
  }
  const uint8_t* row_ptr(uint32_t row) const { return &mem_[size_t{row} * cfg_.lanes]; }
  uint8_t* row_ptr(uint32_t row) { return &mem_[size_t{row} * cfg_.lanes]; }
  void store(uint32_t row, std::span<const uint8_t> lanes);
  uint64_t run(const Command& cmd, Result& result);
  uint64_t run_program(const Command& cmd);
  uint64_t run_mvm(const Command& cmd, Result& result);
  uint64_t run_emul(const Command& cmd, Result& result) const;

  TileConfig cfg_;
  MvmKernel kernel_;
  std::vector<uint8_t> mem_;    // rows() x LANES lane values, low WBITS bits
  PackedRows packed_;           // the same rows grouped by four, for the SIMD kernels
  std::vector<uint32_t> wear_;  // per NVM row
  uint64_t now_ = 0;
  uint32_t prog_row_ = 0;
  uint64_t prog_done_ = 0;  // program engine busy while now_ < prog_done_
  struct MvmShape {
    uint32_t count = 0;
    uint8_t xbits = 0;
    uint64_t cycles = 0;
  } last_shape_;                  // the cycles of the last MVM's shape
  std::vector<int16_t> scratch_;  // the MVM kernels' decoded inputs
};

}  // namespace hycim::tile
