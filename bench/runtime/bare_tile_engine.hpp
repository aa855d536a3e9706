// The runtime benchmark's baseline: an MvmEngine over bare fast-model tiles
// held in the benchmark itself, with no device, no driver and no DMA around
// them. Inputs go to SRAM rows with WRITE_SRAM, then one MVM. What it costs
// is the tile work itself, which the device path is measured against
// (docs/benchmarks.md, "Runtime"). Not part of the runtime: the runtime
// reaches tiles only through the driver.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::bench {

using cim::Geometry;
using cim::MvmEngine;
using cim::MvmJob;

struct BareTileOptions {
  std::string config = "default";  // a named tile configuration (spec/hycim.json)
  uint32_t tiles = 4;
  double clock_mhz = 200;  // turns cycles into device_time_ns()
};

class BareTileEngine final : public MvmEngine {
 public:
  explicit BareTileEngine(const BareTileOptions& options);
  Geometry geometry() const override { return geometry_; }
  void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) override;
  void read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) override;
  void read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) override;
  void mvm(std::span<const MvmJob> jobs) override;
  uint64_t cycles(uint32_t tile) const override;
  double energy_pj() const override { return 0; }
  double device_time_ns() const override;
  std::string nvm_store() const override { return {}; }
  std::string device_id() const override;  // private tiles: unique per engine
  std::string describe() const override;

 private:
  tile::Tile& at(uint32_t tile) const;
  void expect_ok(const tile::Result& r, const char* what, uint32_t tile) const;
  void mvm_one(const MvmJob& job);

  BareTileOptions options_;
  Geometry geometry_;
  std::vector<std::unique_ptr<tile::Tile>> tiles_;
  tile::Command write_cmd_;  // reused to avoid an allocation per input row
  tile::Result result_;
};

}  // namespace hycim::bench
