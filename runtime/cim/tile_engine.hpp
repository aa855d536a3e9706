// MvmEngine over sim/tile Tile objects held in this process: the fast C++
// model by default, the Verilated RTL with kind "rtl" (builds with
// HYCIM_WITH_RTL). Inputs go to SRAM rows with WRITE_SRAM, then one MVM.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::cim {

// Energy per event, pJ: the defaults of docs/device.md "Timing and energy"
// (where the sources are cited), counted the way the device's stats count them.
struct EnergyModel {
  double lane_add = 0.0112;      // one weight lane selected and added in one bit plane
  double shift_add = 0.03;       // one accumulator lane shift-and-add per bit plane
  double sram_byte = 0.3;        // one byte written into an SRAM row
  double nvm_program_byte = 80;  // one byte programmed into NVM
};

struct TileEngineOptions {
  std::string kind = "model";      // "model" or "rtl"
  std::string config = "default";  // a named tile configuration (spec/hycim.json)
  uint32_t tiles = 4;
  double clock_mhz = 200;  // docs/device.md timing default
  EnergyModel energy;
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
