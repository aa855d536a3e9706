// The NVM cells under a device's tiles when it has a fault model
// (DeviceConfig::faults): what each row was programmed with, what its cells
// hold now (sim/nvm/cell_faults.hpp) and what it reads as through the ECC.
// What a row reads as is poked into the tile's array (a backdoor write, no
// cycles), so a model tile and an RTL tile compute on the same bits and stay
// bit- and cycle-exact with faults. Rows are sensed again only when their
// hazard (retention since their program plus read disturb) passes the next
// cell's flip point, so a read costs a few flops.
//
// Retention runs on a clock: the hazard the image's ageing accumulated (`hycim
// nvm age`) plus the device's own simulated time at its temperature. Read
// counts live while the device is open; the clock the simulated time added is
// stored in the image when the device closes.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sim/device/device_config.hpp"
#include "sim/device/nvm_backing.hpp"
#include "sim/device/stats.hpp"
#include "sim/nvm/cell_faults.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::device {

class NvmCells {
 public:
  // `image` may be null (no NVM image: the clock starts at 0 and is lost).
  NvmCells(const FaultConfig& config, const spec::TileConfig& tile, uint32_t tiles,
           NvmBacking* image);
  ~NvmCells();
  NvmCells(const NvmCells&) = delete;
  NvmCells& operator=(const NvmCells&) = delete;

  const FaultConfig& config() const { return config_; }

  // Power-on: every NVM row of tile `index` as its cells read, into `t`
  // (whose rows hold what was programmed, restored from the image).
  void power_on(uint32_t index, tile::Tile& t);

  // Row `row` of tile `index` was just programmed with `lanes` (the tile's
  // wear already counts it): its cells are sensed and what they read as goes
  // into the tile. The row's health and raw errors come back (write-verify
  // reads them).
  const nvm::SensedRow& programmed(uint32_t index, uint32_t row, std::span<const uint8_t> lanes,
                                   double now_ns, tile::Tile& t);
  // The retention clock stored with a row programmed now.
  float clock_at(double now_ns) const;

  // Rows [first, first + count) of tile `index` are about to be read (an MVM
  // raises them, EMUL or READ_SRAM reads one): counts the reads, senses again
  // the rows whose hazard passed their next flip, and counts the ECC's work.
  // The first uncorrectable row, if any: the command must not use them.
  std::optional<uint32_t> read(uint32_t index, uint32_t first, uint32_t count, double now_ns,
                               tile::Tile& t, EccCounts& counts);
  // True once since a read changed what some row of tile `index` reads as
  // (the runner's cached per-row counts are then stale).
  bool take_changed(uint32_t index);
  // How row `row` of tile `index` read the last time it was sensed.
  nvm::RowHealth health(uint32_t index, uint32_t r) const { return state(index, r).health; }

  // Spare rows (FaultSetup::spare_rows): row `r` of tile `index` moves to
  // the tile's next free spare, whose wear goes into the tile (the row's
  // next program is the spare's); the caller programs it again. False when
  // the tile has no free spare left. Spares are claimed in order, never
  // given back, and kept in the image with the row's contents.
  bool remap(uint32_t index, uint32_t r, tile::Tile& t);
  uint32_t spares_used(uint32_t index) const { return spares_used_.at(index); }
  uint32_t spare_rows() const { return config_.setup.spare_rows; }
  // The physical row holding row `r`: r itself, or nvm_rows + s for spare s.
  uint32_t physical_row(uint32_t index, uint32_t r) const {
    return map_[size_t{index} * rows_per_tile_ + r];
  }

  // Powered ageing (FaultConfig::age_s with a background scrub): `seconds`
  // more at `temp_c` pass while the device's own clock stands still; the
  // rows are sensed again by the reads that follow (the scrub's).
  void advance(double seconds, double temp_c);
  // Stores the age reached so far in the image (the destructor does too).
  void save_age();

 private:
  struct Row {
    std::vector<uint8_t> programmed;  // LANES values
    uint32_t wear = 0;
    uint32_t reads = 0;
    float programmed_at = 0;
    nvm::RowHealth health = nvm::RowHealth::kClean;
    double next_flip = 0;
  };
  // The cells' state of (logical) row r of tile `index`, wherever it lives.
  Row& state(uint32_t index, uint32_t r) {
    return rows_[size_t{index} * physical_per_tile_ + physical_row(index, r)];
  }
  const Row& state(uint32_t index, uint32_t r) const {
    return rows_[size_t{index} * physical_per_tile_ + physical_row(index, r)];
  }
  double hazard(const Row& r, double now_ns) const;
  void sense(uint32_t index, uint32_t r, Row& s, double now_ns, tile::Tile& t);

  FaultConfig config_;
  nvm::CellFaults faults_;
  uint32_t rows_per_tile_;
  uint32_t physical_per_tile_;  // rows_per_tile_ + spare rows
  NvmBacking* image_;
  double base_clock_ = 0;  // the image's age when opened
  double base_seconds_ = 0;
  double clock_per_ns_;  // retention hazard per ns at the operating temperature
  double read_hazard_;
  double last_ns_ = 0;                 // latest simulated time seen, stored as age on close
  std::vector<Row> rows_;              // per physical row, spares after each tile's rows
  std::vector<uint32_t> map_;          // per row: the physical row holding it
  std::vector<uint32_t> spares_used_;  // per tile
  std::vector<uint8_t> changed_;       // per tile
  nvm::SensedRow sensed_;              // reused
};

}  // namespace hycim::device
