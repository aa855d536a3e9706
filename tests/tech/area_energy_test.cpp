// The area and energy formulas on hand-checked numbers (docs/device.md,
// "Technology, energy and area").
#include <gtest/gtest.h>

#include "sim/nvm/secded.hpp"
#include "sim/tech/cim_energy.hpp"
#include "sim/tech/secded_gates.hpp"
#include "sim/tech/tile_area.hpp"

namespace hycim::tech {
namespace {

// Round numbers, so every expected value below is arithmetic on the page.
Technology round_technology() {
  return Technology::from_json(nlohmann::json::parse(R"({
    "name": "round", "node_nm": 28, "vdd": 1.0, "vth": 0.3, "alpha": 1.0,
    "clock_mhz": 100, "fmax_mhz": 200, "periphery": 0.5, "leakage_nw_per_um2": 10,
    "energy_fj": {"wordline_cell": 1, "sram_cell_read": 2, "nvm_cell_read": 3, "tree_one": 4,
                  "accumulate_bit": 5, "register_bit": 6, "sram_access_bit": 7,
                  "nvm_program_bit": 8, "link_bit": 9, "xor2": 0.25},
    "area_um2": {"sram_cell": 1, "nvm_cell": 0.5, "wordline_driver": 2, "full_adder": 3,
                 "flip_flop": 4, "controller": 100, "host_interface": 1000,
                 "xor2": 1.5, "and2": 0.75}})"));
}

TEST(TileArea, AdderTreeCountsEveryLevel) {
  EXPECT_EQ(adder_tree_full_adders(1, 8), 0u);
  EXPECT_EQ(adder_tree_full_adders(2, 8), 8u);
  EXPECT_EQ(adder_tree_full_adders(4, 8), 2u * 8 + 1 * 9);
  EXPECT_EQ(adder_tree_full_adders(5, 8), 2u * 8 + 1 * 9 + 1 * 10);
  EXPECT_EQ(adder_tree_full_adders(64, 8), 32u * 8 + 16 * 9 + 8 * 10 + 4 * 11 + 2 * 12 + 13);
}

TEST(TileArea, SmallTileComponentByComponent) {
  // small: 8 lanes x 8 bits, 32 NVM + 16 SRAM rows, 4 rows a cycle, 32-bit accumulators.
  const TileArea a = tile_area({spec::kSmallTile, WeightCell::kNvm}, round_technology());
  EXPECT_DOUBLE_EQ(a.weight_cells, 32 * 64 * 0.5);
  EXPECT_DOUBLE_EQ(a.buffer_cells, 16 * 64 * 1);
  EXPECT_DOUBLE_EQ(a.wordline_drivers, 48 * 2);
  EXPECT_DOUBLE_EQ(a.adder_trees, 8 * 25 * 3);
  EXPECT_DOUBLE_EQ(a.transfer_region, 8 * 32 * (3 + 4));
  EXPECT_DOUBLE_EQ(a.controller, 100);
  const double parts = 1024 + 1024 + 96 + 600 + 1792 + 100;
  EXPECT_DOUBLE_EQ(a.periphery, 0.5 * parts);
  EXPECT_DOUBLE_EQ(a.total(), 1.5 * parts);
  const DeviceArea d = device_area({spec::kSmallTile, WeightCell::kNvm}, 3, round_technology());
  EXPECT_DOUBLE_EQ(d.total_mm2(), (3 * 1.5 * parts + 1000) * 1e-6);
  EXPECT_EQ(a.ecc_check_cells, 0);
  EXPECT_EQ(a.ecc_logic, 0);
}

// The counts the area and energy model takes for the code are the codec's
// own, for every width up to 300 bits and the largest: check bits, syndrome
// XORs (ones in H), correcting ANDs, and the encoder's XORs counted row by
// row of H (a tree over n data bits is n - 1 gates).
TEST(TechSecded, SecdedGatesAreTheCodecs) {
  std::vector<uint32_t> widths(300);
  for (uint32_t k = 1; k <= 300; ++k) widths[k - 1] = k;
  widths.insert(widths.end(), {511, 512, 1024, 2048, 4096});
  for (uint32_t k : widths) {
    SCOPED_TRACE(k);
    const nvm::Secded codec(k);
    const SecdedGates g = secded_gates(k);
    EXPECT_EQ(g.check_bits, codec.check_bits());
    EXPECT_EQ(g.syndrome_xors, codec.syndrome_xor_gates());
    EXPECT_EQ(g.corrector_ands, codec.corrector_and_gates());
    uint32_t encoder = 0;
    for (uint32_t j = 0; j < codec.check_bits(); ++j) {
      uint32_t row = 0;
      for (uint32_t i = 0; i < k; ++i) row += (codec.column(i) >> j) & 1;
      ASSERT_GT(row, 0u) << "check bit " << j << " covers no data bit";
      encoder += row - 1;
    }
    EXPECT_EQ(g.encoder_xors, encoder);
    EXPECT_EQ(g.corrector_and2s, k * (codec.check_bits() - 1));
    EXPECT_EQ(g.corrector_xors, k);
  }
  EXPECT_EQ(secded_gates(0).check_bits, 0u);
  EXPECT_THROW(secded_gates(4097), TechError);
}

// The default tile: 512 rows of 256 data bits, r = 10, 64 rows raised a
// cycle, so 64 decoders of 1040 + 256 XORs and 256 x 9 AND stages, and an
// encoder of 1030 XORs.
TEST(TileArea, EccOfTheDefaultTile) {
  const Technology t = round_technology();
  CimArray array{spec::kDefaultTile, WeightCell::kNvm};
  const TileArea plain = tile_area(array, t);
  array.secded = true;
  const TileArea a = tile_area(array, t);
  EXPECT_DOUBLE_EQ(a.ecc_check_cells, 512 * 10 * 0.5);
  const double decoder = (1040 + 256) * 1.5 + 256 * 9 * 0.75;
  EXPECT_DOUBLE_EQ(a.ecc_logic, 64 * decoder + 1030 * 1.5);
  EXPECT_DOUBLE_EQ(a.weight_cells, plain.weight_cells);
  EXPECT_DOUBLE_EQ(a.periphery, plain.periphery + 0.5 * (a.ecc_check_cells + a.ecc_logic));
  EXPECT_DOUBLE_EQ(a.total(), plain.total() + 1.5 * (a.ecc_check_cells + a.ecc_logic));
  // The small tile: 64 data bits, r = 8 (56 columns of weight 3, 8 of weight 5).
  const TileArea s = tile_area({spec::kSmallTile, WeightCell::kNvm, 1, false, false, true}, t);
  EXPECT_DOUBLE_EQ(s.ecc_check_cells, 32 * 8 * 0.5);
  EXPECT_DOUBLE_EQ(s.ecc_logic, 4 * ((208 + 64) * 1.5 + 64 * 7 * 0.75) + 200 * 1.5);
}

// A spare row of the small tile with SEC-DED: 64 weight and 8 check cells, a
// driver, and the 6-bit address (48 rows) in flip-flops with its comparator
// (6 XORs, 5 AND stages).
TEST(TileArea, SpareRows) {
  const Technology t = round_technology();
  CimArray array{spec::kSmallTile, WeightCell::kNvm, 1, false, false, true};
  const TileArea none = tile_area(array, t);
  EXPECT_EQ(none.spare_rows, 0);
  array.spare_rows = 4;
  const TileArea a = tile_area(array, t);
  const double spare = (64 + 8) * 0.5 + 2 + 6 * (4 + 1.5) + 5 * 0.75;
  EXPECT_DOUBLE_EQ(a.spare_rows, 4 * spare);
  EXPECT_DOUBLE_EQ(a.total(), none.total() + 1.5 * 4 * spare);
  EXPECT_DOUBLE_EQ(a.to_json()["spare_rows_um2"].get<double>(), 4 * spare);
}

TEST(CimEnergy, EventsOfTheSmallTile) {
  const TileEventEnergy e =
      tile_event_energy({spec::kSmallTile, WeightCell::kNvm}, round_technology());
  EXPECT_DOUBLE_EQ(e.lane_add, 8 * (1 + 3) * 1e-3);  // word line + NVM read, 8 bits
  EXPECT_DOUBLE_EQ(e.weight_one, 4e-3);
  EXPECT_DOUBLE_EQ(e.shift_add, 32 * 5e-3);
  EXPECT_DOUBLE_EQ(e.sram_byte, 8 * 7e-3);
  EXPECT_DOUBLE_EQ(e.nvm_program_byte, 8 * 8e-3);
  EXPECT_DOUBLE_EQ(e.dma_byte, 8 * 9e-3);
  const double area = tile_area({spec::kSmallTile, WeightCell::kNvm}, round_technology()).total();
  EXPECT_DOUBLE_EQ(e.leakage_mw, area * 10 * 1e-6);
  // The code over 64 bits: 8 check cells read with the row and 208 syndrome
  // XORs; a pulse programs the 8 and runs the encoder's 200.
  EXPECT_DOUBLE_EQ(e.ecc_row_read, (8 * (1 + 3) + 208 * 0.25) * 1e-3);
  EXPECT_DOUBLE_EQ(e.ecc_row_program, (8 * 8 + 200 * 0.25) * 1e-3);
  // SRAM weights read their SRAM cells instead, and carry no code.
  EXPECT_DOUBLE_EQ(
      tile_event_energy({spec::kSmallTile, WeightCell::kSram}, round_technology()).lane_add,
      8 * (1 + 2) * 1e-3);
  EXPECT_EQ(
      tile_event_energy({spec::kSmallTile, WeightCell::kSram}, round_technology()).ecc_row_read, 0);
}

TEST(CimEnergy, MvmAtGivenDensities) {
  const Technology t = round_technology();
  const CimArray a{spec::kSmallTile, WeightCell::kNvm};
  // K = 16 rows, 8-bit inputs a quarter set, weights half set, 40 ns.
  const MvmEnergy m = mvm_energy(a, t, 16, 8, {0.25, 0.5}, 40);
  const double raised = 16 * 8 * 0.25;
  EXPECT_DOUBLE_EQ(m.array, raised * 8 * 32e-3);
  EXPECT_DOUBLE_EQ(m.tree, raised * 8 * 8 * 0.5 * 4e-3);
  EXPECT_DOUBLE_EQ(m.shift_add, 8 * 8 * 0.16);
  EXPECT_DOUBLE_EQ(m.input, 16 * 8 * 7e-3);  // through the SRAM rows
  EXPECT_DOUBLE_EQ(m.leakage, tile_event_energy(a, t).leakage_mw * 40);
  EXPECT_EQ(m.ecc, 0);
  CimArray with_ecc = a;
  with_ecc.secded = true;
  EXPECT_DOUBLE_EQ(mvm_energy(with_ecc, t, 16, 8, {0.25, 0.5}, 40).ecc,
                   raised * tile_event_energy(a, t).ecc_row_read);
  // Booth: 4 steps of 2 bits; a digit is 0 when its three bits agree.
  const CimArray booth{spec::kSmallTile, WeightCell::kSram, 2, true, true};
  const MvmEnergy b = mvm_energy(booth, t, 16, 8, {0.5, 0.5}, 0);
  EXPECT_DOUBLE_EQ(b.array, 16 * 4 * 0.75 * 8 * 8 * (1 + 2) * 1e-3);
  EXPECT_DOUBLE_EQ(b.shift_add, 4 * 8 * 0.16);
  EXPECT_DOUBLE_EQ(b.input, 16 * 8 * 6e-3);  // input registers
  EXPECT_EQ(booth.tree_input_bits(), 9u);
}

}  // namespace
}  // namespace hycim::tech
