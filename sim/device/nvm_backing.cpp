#include "sim/device/nvm_backing.hpp"

#include <algorithm>
#include <vector>

namespace hycim::device {

namespace {

// One byte per lane: lanes hold at most 8 bits (tile::validate).
nvm::NvmImage open_image(const std::filesystem::path& path, uint32_t tiles,
                         const spec::TileConfig& cfg, const std::string& fault_record,
                         std::optional<uint32_t> spare_rows) {
  nvm::Geometry g{tiles, cfg.nvm_rows, cfg.lanes, spare_rows.value_or(0)};
  std::error_code ec;
  if (!spare_rows && std::filesystem::exists(path, ec)) {
    // The image's own spares; any other difference is refused below, by
    // open_or_create's geometry check, once this open has let go of the file.
    nvm::NvmImage image = nvm::NvmImage::open(path);
    g.spare_rows = image.geometry().spare_rows;
    if (image.geometry() == g) return image;
  }
  return nvm::NvmImage::open_or_create(path, g, fault_record);
}

}  // namespace

NvmBacking::NvmBacking(const std::filesystem::path& path, uint32_t tiles,
                       const spec::TileConfig& cfg, const std::string& fault_record,
                       std::optional<uint32_t> spare_rows)
    : image_(open_image(path, tiles, cfg, fault_record, spare_rows)) {}

void NvmBacking::restore(uint32_t index, tile::Tile& t) const {
  std::vector<uint8_t> row(image_.geometry().row_bytes);
  for (uint32_t r = 0; r < image_.geometry().rows_per_tile; ++r) {
    image_.read_row(index, r, row);
    t.poke_row(r, row);
    // The tile counts wear in 32 bits; a row past that is worn out anyway.
    t.poke_wear(r, static_cast<uint32_t>(std::min<uint64_t>(image_.wear(index, r), UINT32_MAX)));
  }
}

bool NvmBacking::store(uint32_t index, uint32_t row, std::span<const uint8_t> lanes,
                       float programmed_at, uint32_t pulses) noexcept {
  try {
    image_.write_row(index, row, lanes, programmed_at, pulses);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool NvmBacking::remap(uint32_t index, uint32_t row, std::span<const uint8_t> lanes,
                       float programmed_at, uint32_t pulses) noexcept {
  try {
    image_.remap_row(index, row, lanes, programmed_at, pulses);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace hycim::device
