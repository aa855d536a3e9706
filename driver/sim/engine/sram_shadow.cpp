// SRAM rows time-shared between owners: the swap of sram_shadow.hpp.
#include "driver/sim/engine/sram_shadow.hpp"

namespace hycim::driver {

SramShadow::SramShadow(uint32_t tiles, uint32_t nvm_rows, uint32_t sram_rows)
    : nvm_rows_(nvm_rows), sram_rows_(sram_rows), holder_(size_t{tiles} * sram_rows, 0) {}

void SramShadow::make_current(Platform& p, uint32_t tile, uint32_t row, uint16_t who) {
  const size_t i = index(tile, row);
  uint16_t& holder = holder_[i];
  if (holder == who) return;
  tile::Tile& t = p.tile(tile);
  if (holder != 0) saved_[{holder, i}] = t.peek_row(row);
  auto mine = saved_.find({who, i});
  if (mine != saved_.end()) {
    t.poke_row(row, mine->second);
    saved_.erase(mine);
  } else {
    t.poke_row(row, std::vector<uint8_t>(t.config().lanes, 0));
  }
  holder = who;
}

void SramShadow::forget(Platform& p, uint16_t who) {
  for (size_t i = 0; i < holder_.size(); ++i) {
    if (holder_[i] != who) continue;
    const auto tile = static_cast<uint32_t>(i / sram_rows_);
    tile::Tile& t = p.tile(tile);
    t.poke_row(nvm_rows_ + static_cast<uint32_t>(i % sram_rows_),
               std::vector<uint8_t>(t.config().lanes, 0));
    holder_[i] = 0;
  }
  for (auto it = saved_.lower_bound({who, 0}); it != saved_.end() && it->first.first == who;)
    it = saved_.erase(it);
}

std::vector<std::pair<size_t, std::vector<uint8_t>>> SramShadow::save_all(Platform& p) const {
  std::vector<std::pair<size_t, std::vector<uint8_t>>> rows;
  for (size_t i = 0; i < holder_.size(); ++i)
    if (holder_[i] != 0)
      rows.emplace_back(i, p.tile(static_cast<uint32_t>(i / sram_rows_))
                               .peek_row(nvm_rows_ + static_cast<uint32_t>(i % sram_rows_)));
  return rows;
}

void SramShadow::restore_all(Platform& p,
                             const std::vector<std::pair<size_t, std::vector<uint8_t>>>& rows) {
  for (const auto& [i, bytes] : rows)
    p.tile(static_cast<uint32_t>(i / sram_rows_))
        .poke_row(nvm_rows_ + static_cast<uint32_t>(i % sram_rows_), bytes);
}

}  // namespace hycim::driver
