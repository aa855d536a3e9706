#include "bench/runtime/bare_tile_engine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/tile/tile_model.hpp"

namespace hycim::bench {

using cim::EngineError;
using cim::WornOutError;

BareTileEngine::BareTileEngine(const BareTileOptions& options) : options_(options) {
  const tile::TileConfig* cfg = nullptr;
  try {
    cfg = &tile::named_config(options.config);
  } catch (const tile::TileError& e) {
    throw EngineError(e.what());
  }
  if (options.tiles == 0) throw EngineError("tile engine: tiles must be at least 1");
  if (cfg->wbits < 8 || cfg->xbits < 8)
    throw EngineError(fmt::format("tile config '{}': the runtime needs 8-bit weights and inputs",
                                  options.config));
  if (!(options.clock_mhz > 0)) throw EngineError("tile engine: clock_mhz must be positive");
  for (uint32_t i = 0; i < options.tiles; ++i)
    tiles_.push_back(std::make_unique<tile::TileModel>(*cfg));
  // One MVM's inputs must fit the SRAM rows; K of a block is also bounded by NVM rows.
  const uint32_t max_k = std::min(cfg->nvm_rows, cfg->sram_rows * cfg->lanes);
  geometry_ = {options.tiles, cfg->lanes, cfg->nvm_rows, max_k};
  write_cmd_ = tile::Command::write_sram(cfg->nvm_rows, std::vector<uint8_t>(cfg->lanes));
}

tile::Tile& BareTileEngine::at(uint32_t tile) const {
  if (tile >= tiles_.size())
    throw EngineError(fmt::format("tile {} does not exist ({} tiles)", tile, tiles_.size()));
  return *tiles_[tile];
}

void BareTileEngine::expect_ok(const tile::Result& r, const char* what, uint32_t tile) const {
  if (r.status == tile::Status::kWornOut)
    throw WornOutError(fmt::format("tile {}: {} answered WORN_OUT", tile, what), tile);
  if (r.status != tile::Status::kOk)
    throw EngineError(
        fmt::format("tile {}: {} answered {}", tile, what, spec::to_string(r.status)));
}

void BareTileEngine::program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) {
  tile::Tile& t = at(tile);
  const uint32_t lanes = geometry_.lanes;
  if (rows.size() % lanes != 0) throw EngineError("program: data is not whole rows");
  for (size_t r = 0; r * lanes < rows.size(); ++r) {
    const auto row = static_cast<uint32_t>(first_row + r);
    auto lanes_of = rows.subspan(r * lanes, lanes);
    t.execute(tile::Command::program_nvm(row, {lanes_of.begin(), lanes_of.end()}), result_);
    expect_ok(result_, "PROGRAM_NVM", tile);
  }
  // Later MVMs must not find a row still busy being programmed.
  t.execute(tile::Command::sync(), result_);
}

void BareTileEngine::read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) {
  tile::Tile& t = at(tile);
  const uint32_t lanes = geometry_.lanes;
  if (rows.size() % lanes != 0) throw EngineError("read: buffer is not whole rows");
  for (size_t r = 0; r * lanes < rows.size(); ++r) {
    t.execute(tile::Command::read_row(static_cast<uint32_t>(first_row + r)), result_);
    expect_ok(result_, "READ_ROW", tile);
    for (uint32_t l = 0; l < lanes; ++l)
      rows[r * lanes + l] = static_cast<uint8_t>(result_.lanes[l]);
  }
}

void BareTileEngine::read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) {
  tile::Tile& t = at(tile);
  for (size_t r = 0; r < wear.size(); ++r) {
    t.execute(tile::Command::read_wear(static_cast<uint32_t>(first_row + r)), result_);
    expect_ok(result_, "READ_WEAR", tile);
    wear[r] = static_cast<uint32_t>(result_.lanes[0]);
  }
}

void BareTileEngine::mvm(std::span<const MvmJob> jobs) {
  for (const MvmJob& job : jobs) mvm_one(job);
}

void BareTileEngine::mvm_one(const MvmJob& job) {
  const bool xsigned = job.xsigned, wsigned = job.wsigned;
  const auto x = job.x;
  const auto acc = job.acc;
  const uint32_t tile = job.tile, first_row = job.first_row;
  tile::Tile& t = at(tile);
  const uint32_t lanes = geometry_.lanes, sram0 = t.config().nvm_rows;
  if (x.empty() || x.size() > geometry_.max_k || acc.size() > lanes)
    throw EngineError(
        fmt::format("mvm: {} inputs / {} outputs do not fit the tile", x.size(), acc.size()));
  for (size_t i = 0; i * lanes < x.size(); ++i) {
    const size_t n = std::min<size_t>(lanes, x.size() - i * lanes);
    std::fill(write_cmd_.data.begin(), write_cmd_.data.end(), 0);
    std::copy_n(x.begin() + static_cast<ptrdiff_t>(i * lanes), n, write_cmd_.data.begin());
    write_cmd_.row = sram0 + static_cast<uint32_t>(i);
    t.execute(write_cmd_, result_);
    expect_ok(result_, "WRITE_SRAM", tile);
  }
  const auto k = static_cast<uint32_t>(x.size());
  t.execute(tile::Command::mvm(first_row, k, sram0, 8, xsigned, 8, wsigned), result_);
  expect_ok(result_, "MVM", tile);
  std::copy_n(result_.lanes.begin(), acc.size(), acc.begin());
}

uint64_t BareTileEngine::cycles(uint32_t tile) const {
  return at(tile).now();
}

double BareTileEngine::device_time_ns() const {
  uint64_t slowest = 0;  // tiles run side by side: the device is as far as its slowest tile
  for (const auto& t : tiles_) slowest = std::max(slowest, t->now());
  return static_cast<double>(slowest) * 1000.0 / options_.clock_mhz;
}

std::string BareTileEngine::device_id() const {
  return fmt::format("bare-tiles@{}", static_cast<const void*>(this));
}

std::string BareTileEngine::describe() const {
  const auto& c = tiles_.front()->config();
  return fmt::format("{} x bare fast-model tile '{}' ({} NVM rows x {} lanes)", tiles_.size(),
                     c.name, c.nvm_rows, c.lanes);
}

}  // namespace hycim::bench
