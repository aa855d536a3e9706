// Technologies: strict JSON, scaling laws, the catalog, and the device's
// default energies being the default technology's.
#include "sim/tech/technology.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/device/timing_config.hpp"

namespace hycim::tech {
namespace {

std::string error_of(const nlohmann::json& j) {
  try {
    Technology::from_json(j);
  } catch (const TechError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Technology, CatalogLoadsByNameAndRefusesUnknownNames) {
  const std::vector<std::string> names = technology_names();
  ASSERT_GE(names.size(), 2u);
  for (const auto& n : names) EXPECT_EQ(load_technology(n).name, n);
  const std::string e = [] {
    try {
      load_technology("cmos7");
    } catch (const TechError& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(e.find("technology 'cmos7': not in the catalog (cmos28, hycim22"), std::string::npos)
      << e;
}

TEST(Technology, UnknownAndMissingKeysAreNamed) {
  nlohmann::json j = load_technology("cmos28").uncalibrated().to_json();
  j.erase("calibration");
  EXPECT_EQ(Technology::from_json(j).energy_fj.tree_one.value,
            load_technology("cmos28").uncalibrated().energy_fj.tree_one.value);
  nlohmann::json bad = j;
  bad["energy_fj"]["tree_on"] = 1;
  EXPECT_EQ(error_of(bad), "cmos28.energy_fj.tree_on: unknown key");
  bad = j;
  bad["area_um2"].erase("nvm_cell");
  EXPECT_EQ(error_of(bad), "cmos28.area_um2.nvm_cell: missing");
  bad = j;
  bad["vdd"] = {{"value", 0.9}, {"sourc", "x"}};
  EXPECT_EQ(error_of(bad), "cmos28.vdd.sourc: unknown key");
  bad = j;
  bad["vth"] = 1.2;
  EXPECT_EQ(error_of(bad), "cmos28.vth: 1.2 V is not below vdd 0.9 V");
  bad = j;
  bad["energy_fj"]["tree_one"] = -1;
  EXPECT_EQ(error_of(bad), "cmos28.energy_fj.tree_one: must be >= 0, got -1");
  bad = j;
  bad["calibration"] = {{"energy", 2}, {"macros", {"a", "b", "c"}}};
  EXPECT_EQ(error_of(bad), "cmos28.calibration.macros: a list of at most two macro names");
}

// Dynamic energy goes with C V^2 (C with the node), area with node^2,
// leakage per um^2 with V / node, fmax by the alpha-power law over the node.
TEST(Technology, ScalingLaws) {
  const Technology t = load_technology("cmos28");
  const Technology s = t.scaled(14, 0.6);
  const double v = 0.6 / 0.9;
  EXPECT_DOUBLE_EQ(s.energy_fj.tree_one.value, t.energy_fj.tree_one.value * 0.5 * v * v);
  EXPECT_DOUBLE_EQ(s.energy_fj.wordline_cell.value, t.energy_fj.wordline_cell.value * 0.5 * v * v);
  EXPECT_DOUBLE_EQ(s.energy_fj.nvm_program_bit.value, t.energy_fj.nvm_program_bit.value);
  EXPECT_DOUBLE_EQ(s.energy_fj.link_bit.value, t.energy_fj.link_bit.value);
  EXPECT_DOUBLE_EQ(s.area_um2.sram_cell.value, t.area_um2.sram_cell.value * 0.25);
  EXPECT_DOUBLE_EQ(s.leakage_nw_per_um2.value, t.leakage_nw_per_um2.value * v / 0.5);
  const auto speed = [&](double v) { return std::pow(v - t.vth.value, t.alpha.value) / v; };
  EXPECT_NEAR(s.fmax_mhz.value, t.fmax_mhz.value * speed(0.6) / speed(0.9) * 2, 1e-9);
  EXPECT_EQ(s.clock_mhz.value, s.fmax_mhz.value);
  EXPECT_EQ(s.node_nm.value, 14);
  EXPECT_EQ(s.vdd.value, 0.6);
  // The same point is the identity.
  EXPECT_DOUBLE_EQ(t.scaled(28, 0.9).energy_fj.tree_one.value, t.energy_fj.tree_one.value);
  EXPECT_DOUBLE_EQ(t.scaled(28, 0.9).fmax_mhz.value, t.fmax_mhz.value);
  EXPECT_THROW(t.scaled(28, 0.3), TechError);  // below vth
  EXPECT_THROW(s.with_clock(s.fmax_mhz.value * 1.01), TechError);
  EXPECT_EQ(s.with_clock(100).clock_mhz.value, 100);
}

TEST(Technology, ScaleFromReadsTheBaseAtItsPointAndOverrides) {
  const Technology h = load_technology("hycim22");
  const Technology base = load_technology("cmos28").scaled(22, 0.8).with_clock(200);
  EXPECT_DOUBLE_EQ(h.energy_fj.tree_one.value, base.energy_fj.tree_one.value);
  EXPECT_DOUBLE_EQ(h.area_um2.full_adder.value, base.area_um2.full_adder.value);
  EXPECT_EQ(h.area_um2.nvm_cell.value, 0.0486);  // its own 22 nm cell
  EXPECT_EQ(h.clock_mhz.value, 200);
  EXPECT_EQ(h.calibration.energy, load_technology("cmos28").calibration.energy);
}

// Found by tests/fuzz/config_json_fuzz.cpp.
TEST(Technology, AFileScaledFromItselfIsRefusedNotRecursedInto) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("hycim_tech_loop_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string loop = (dir / "loop.json").string();
  std::ofstream(loop) << nlohmann::json{
      {"name", "loop"}, {"scale_from", loop}, {"node_nm", 22}, {"vdd", 0.8}, {"clock_mhz", 100}};
  try {
    load_technology(loop);
    ADD_FAILURE() << "a technology scaled from itself loaded";
  } catch (const TechError& e) {
    EXPECT_NE(std::string(e.what()).find("bases deep (a cycle?)"), std::string::npos) << e.what();
  }
  // A number no double holds is a JSON error like any other, not an escaping
  // nlohmann::json::out_of_range.
  const std::string big = (dir / "big.json").string();
  std::ofstream(big) << R"({"node_nm": 1e666666})";
  try {
    load_technology(big);
    ADD_FAILURE() << "a technology with 1e666666 loaded";
  } catch (const TechError& e) {
    EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(Technology, CalibrationRoundTrips) {
  const Technology t = load_technology("cmos28");
  const Technology u = t.uncalibrated();
  EXPECT_EQ(u.calibration.energy, 1);
  EXPECT_NEAR(u.energy_fj.tree_one.value * t.calibration.energy, t.energy_fj.tree_one.value, 1e-12);
  EXPECT_NEAR(u.area_um2.sram_cell.value * t.calibration.area, t.area_um2.sram_cell.value, 1e-12);
  // NVM figures are not the macros' to calibrate.
  EXPECT_EQ(u.energy_fj.nvm_cell_read.value, t.energy_fj.nvm_cell_read.value);
  EXPECT_EQ(u.area_um2.nvm_cell.value, t.area_um2.nvm_cell.value);
}

// spec/hycim.json's timing defaults (the docs table, TimingConfig{}) are what
// the default technology gives the default tile: one source for the numbers
// the device charges, checked here rather than trusted.
TEST(Technology, DeviceDefaultsAreTheDefaultTechnologys) {
  const device::TimingConfig derived =
      device::TimingConfig::for_technology(load_technology(kDefaultTechnology), spec::kDefaultTile);
  const device::TimingConfig d;
  EXPECT_EQ(derived.clock_mhz, d.clock_mhz);
  const auto same = [](double spec, double model, const char* key) {
    EXPECT_NEAR(spec, model, std::abs(model) * 5e-4)
        << key << ": the spec says " << spec << ", " << kDefaultTechnology << " gives " << model;
  };
  same(d.energy_pj.lane_add, derived.energy_pj.lane_add, "lane_add");
  same(d.energy_pj.weight_one, derived.energy_pj.weight_one, "weight_one");
  same(d.energy_pj.shift_add, derived.energy_pj.shift_add, "shift_add");
  same(d.energy_pj.sram_byte, derived.energy_pj.sram_byte, "sram_byte");
  same(d.energy_pj.nvm_program_byte, derived.energy_pj.nvm_program_byte, "nvm_program_byte");
  same(d.energy_pj.dma_byte, derived.energy_pj.dma_byte, "dma_byte");
  same(d.energy_pj.ecc_row_read, derived.energy_pj.ecc_row_read, "ecc_row_read");
  same(d.energy_pj.ecc_row_program, derived.energy_pj.ecc_row_program, "ecc_row_program");
}

}  // namespace
}  // namespace hycim::tech
