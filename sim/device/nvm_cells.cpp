#include "sim/device/nvm_cells.hpp"

#include <algorithm>
#include <cmath>

namespace hycim::device {

NvmCells::NvmCells(const FaultConfig& config, const spec::TileConfig& tile, uint32_t tiles,
                   NvmBacking* image)
    : config_(config),
      faults_(config.setup, tile.lanes, tile.wbits),
      rows_per_tile_(tile.nvm_rows),
      physical_per_tile_(tile.nvm_rows + config.setup.spare_rows),
      image_(image),
      clock_per_ns_(config.setup.model.retention_hazard_per_s(config.temp_c) * 1e-9),
      read_hazard_(config.setup.model.read_hazard()),
      rows_(size_t{tiles} * physical_per_tile_),
      map_(size_t{tiles} * tile.nvm_rows),
      spares_used_(tiles, 0),
      changed_(tiles, 0) {
  for (size_t i = 0; i < map_.size(); ++i) map_[i] = static_cast<uint32_t>(i % rows_per_tile_);
  if (image_) {
    const nvm::NvmImage& img = image_->image();
    const nvm::NvmImage::Age age = img.age();
    base_clock_ = age.clock;
    base_seconds_ = age.seconds;
    for (uint32_t t = 0; t < tiles; ++t) {
      spares_used_[t] = img.spares_used(t);
      for (uint32_t r = 0; r < rows_per_tile_; ++r)
        map_[size_t{t} * rows_per_tile_ + r] = img.physical_row(t, r);
    }
  }
  // Unpowered ageing happens before power-on; powered ageing (with a
  // background scrub) after it, in steps (CommandProcessor).
  if (config_.age_s > 0 && config_.scrub_interval_s == 0) {
    advance(config_.age_s, config_.age_temp_c);
    save_age();
  }
}

void NvmCells::advance(double seconds, double temp_c) {
  base_clock_ += seconds * config_.setup.model.retention_hazard_per_s(temp_c);
  base_seconds_ += seconds;
}

void NvmCells::save_age() {
  if (image_) image_->image().set_age({base_clock_, base_seconds_});
}

// The device's own running time ages the cells too; it is kept in the image
// as more age, so the next power-on starts where this one stopped.
NvmCells::~NvmCells() {
  if (!image_ || last_ns_ <= 0) return;
  try {
    image_->image().set_age(
        {base_clock_ + last_ns_ * clock_per_ns_, base_seconds_ + last_ns_ * 1e-9});
  } catch (const std::exception&) {
    // The image stays valid with its old age: only this run's ageing is lost.
  }
}

float NvmCells::clock_at(double now_ns) const {
  return static_cast<float>(base_clock_ + now_ns * clock_per_ns_);
}

double NvmCells::hazard(const Row& r, double now_ns) const {
  const double since = base_clock_ + now_ns * clock_per_ns_ - double(r.programmed_at);
  return std::max(0.0, since) + double(r.reads) * read_hazard_;
}

void NvmCells::sense(uint32_t index, uint32_t r, Row& s, double now_ns, tile::Tile& t) {
  // The cells are those of the physical row: a spare has its own stuck cells.
  faults_.sense(index, physical_row(index, r), s.programmed, s.wear, hazard(s, now_ns), sensed_);
  s.health = sensed_.health;
  s.next_flip = sensed_.next_flip_hazard;
  t.poke_row(r, sensed_.lanes);
}

void NvmCells::power_on(uint32_t index, tile::Tile& t) {
  for (uint32_t r = 0; r < rows_per_tile_; ++r) {
    Row& s = state(index, r);
    s.programmed = t.peek_row(r);
    s.wear = t.peek_wear(r);
    s.reads = 0;
    s.programmed_at = image_ ? image_->image().programmed_at(index, r) : 0;
    sense(index, r, s, 0, t);
  }
}

const nvm::SensedRow& NvmCells::programmed(uint32_t index, uint32_t r,
                                           std::span<const uint8_t> lanes, double now_ns,
                                           tile::Tile& t) {
  last_ns_ = std::max(last_ns_, now_ns);
  Row& s = state(index, r);
  s.programmed.assign(lanes.begin(), lanes.end());
  s.wear = t.peek_wear(r);
  s.reads = 0;
  s.programmed_at = clock_at(now_ns);
  sense(index, r, s, now_ns, t);
  changed_[index] = 1;
  return sensed_;
}

std::optional<uint32_t> NvmCells::read(uint32_t index, uint32_t first, uint32_t count,
                                       double now_ns, tile::Tile& t, EccCounts& counts) {
  last_ns_ = std::max(last_ns_, now_ns);
  std::optional<uint32_t> bad;
  const uint32_t end = std::min(first + count, rows_per_tile_);
  for (uint32_t r = first; r < end; ++r) {
    Row& s = state(index, r);
    ++s.reads;
    if (hazard(s, now_ns) >= s.next_flip) {
      sense(index, r, s, now_ns, t);
      changed_[index] = 1;
    }
    if (s.health == nvm::RowHealth::kCorrected) ++counts.corrected;
    if (s.health == nvm::RowHealth::kUncorrectable) {
      ++counts.uncorrectable;
      if (!bad) bad = r;
    }
  }
  return bad;
}

bool NvmCells::remap(uint32_t index, uint32_t r, tile::Tile& t) {
  if (spares_used_.at(index) >= config_.setup.spare_rows) return false;
  map_[size_t{index} * rows_per_tile_ + r] = rows_per_tile_ + spares_used_[index]++;
  // A spare in no use was never written (spares are not given back): it
  // starts with no wear, and the row's next program is its first.
  Row& s = state(index, r);
  s = Row{};
  t.poke_wear(r, s.wear);
  return true;
}

bool NvmCells::take_changed(uint32_t index) {
  return std::exchange(changed_.at(index), uint8_t{0}) != 0;
}

}  // namespace hycim::device
