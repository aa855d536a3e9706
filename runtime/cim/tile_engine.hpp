// MvmEngine over bare sim/tile tiles held in this process, with no device
// around them: the fast C++ model by default, the Verilated RTL with kind
// "rtl" (builds with HYCIM_WITH_RTL). Inputs go to SRAM rows with WRITE_SRAM,
// then one MVM. It counts tile cycles only (no DMA, no energy: those are the
// device's, reached through DriverEngine); tests use it to try many tile
// geometries in one process, which the in-process device cannot (SystemC
// elaborates once per process).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::cim {

struct TileEngineOptions {
  std::string kind = "model";      // "model" or "rtl"
  std::string config = "default";  // a named tile configuration (spec/hycim.json)
  uint32_t tiles = 4;
  double clock_mhz = 200;  // turns cycles into device_time_ns()
};

class TileEngine final : public MvmEngine {
 public:
  explicit TileEngine(const TileEngineOptions& options);
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

  TileEngineOptions options_;
  Geometry geometry_;
  std::vector<std::unique_ptr<tile::Tile>> tiles_;
  tile::Command write_cmd_;  // reused to avoid an allocation per input row
  tile::Result result_;
};

// Whether kind "rtl" can be built in this binary.
bool rtl_engine_available();

}  // namespace hycim::cim
