// MvmEngine over sim/tile Tile objects held in this process: the fast C++
// model by default, the Verilated RTL with kind "rtl" (builds with
// HYCIM_WITH_RTL). Inputs go to SRAM rows with WRITE_SRAM, then one MVM.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "sim/device/timing_config.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::cim {

struct TileEngineOptions {
  std::string kind = "model";      // "model" or "rtl"
  std::string config = "default";  // a named tile configuration (spec/hycim.json)
  uint32_t tiles = 4;
  // Clock and per-event energies: the device's own timing configuration and
  // its defaults (docs/device.md, "Timing and energy"), counted the way the
  // device's stats count them.
  device::TimingConfig timing;
};

class TileEngine final : public MvmEngine {
 public:
  explicit TileEngine(const TileEngineOptions& options);
  Geometry geometry() const override { return geometry_; }
  void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) override;
  void mvm(uint32_t tile, uint32_t first_row, std::span<const uint8_t> x, bool xsigned,
           bool wsigned, std::span<int32_t> acc) override;
  uint64_t cycles(uint32_t tile) const override;
  double energy_pj(uint32_t tile) const override { return energy_.at(tile); }
  std::string describe() const override;

 private:
  tile::Tile& at(uint32_t tile) const;
  void expect_ok(const tile::Result& r, const char* what, uint32_t tile) const;

  TileEngineOptions options_;
  Geometry geometry_;
  std::vector<std::unique_ptr<tile::Tile>> tiles_;
  std::vector<double> energy_;  // pJ per tile
  tile::Command write_cmd_;     // reused to avoid an allocation per input row
  tile::Result result_;
};

// Whether kind "rtl" can be built in this binary.
bool rtl_engine_available();

}  // namespace hycim::cim
