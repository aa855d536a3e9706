// The device's NVM rows on disk (sim/nvm NvmImage): restored into the tiles at
// power-on, and every row a PROGRAM_NVM programs is stored before the command
// completes, so a device opened on the same image later sees the same weights
// and wear.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "sim/nvm/nvm_image.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::device {

class NvmBacking {
 public:
  // Opens the image, or creates it (all rows zero, wear 0) when absent. A
  // corrupt, foreign or differently shaped image is refused: the
  // nvm::NvmImageError propagates with its message naming file and block.
  // A new image keeps `fault_record` (nvm::to_record; empty: no faults) and
  // gives every tile `spare_rows` spare rows (none when unset); an existing
  // one must have as many, or, unset, keeps its own.
  NvmBacking(const std::filesystem::path& path, uint32_t tiles, const spec::TileConfig& cfg,
             const std::string& fault_record = {},
             std::optional<uint32_t> spare_rows = std::nullopt);

  // Copies every NVM row and wear counter of tile `index` into `t`; a row
  // moved to a spare restores the spare's contents and wear.
  void restore(uint32_t index, tile::Tile& t) const;
  // Stores a programmed row (durable on return). False when the image could
  // not be written; the tile's row then differs from the image's.
  // `pulses`: the program pulses the row took (its wear grows by as many).
  bool store(uint32_t index, uint32_t row, std::span<const uint8_t> lanes, float programmed_at = 0,
             uint32_t pulses = 1) noexcept;
  // Moves a row that failed write-verify to the tile's next free spare with
  // `lanes` as its contents (durable on return). False when the tile has no
  // free spare or the image could not be written; the row then stays where
  // it was, with its old contents in the image.
  bool remap(uint32_t index, uint32_t row, std::span<const uint8_t> lanes, float programmed_at = 0,
             uint32_t pulses = 1) noexcept;

  // The image itself, for the fault model's record, clocks and age.
  nvm::NvmImage& image() { return image_; }
  const nvm::NvmImage& image() const { return image_; }

 private:
  nvm::NvmImage image_;
};

}  // namespace hycim::device
