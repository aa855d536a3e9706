// Timing/energy and device configs from JSON (unknown keys refused, errors
// name the key) and the stats a run produces (JSON and CSV).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/device/device_error.hpp"
#include "sim/tech/cim_energy.hpp"
#include "sim/tile/tile_timing.hpp"
#include "tests/device/device_test_support.hpp"

namespace hycim::device::testing {
namespace {

using nlohmann::json;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DeviceError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DeviceConfig, TimingDefaultsRoundTripThroughJson) {
  const TimingConfig d;
  EXPECT_EQ(TimingConfig::from_json(json::object()).to_json(), d.to_json());
  const TimingConfig t = TimingConfig::from_json(
      json::parse(R"({"clock_mhz": 100, "energy_pj": {"lane_add": 0.5}, "dma_latency_ns": 0.1})"));
  EXPECT_EQ(t.clock_mhz, 100);
  EXPECT_EQ(t.period_ns(), 10);
  EXPECT_EQ(t.energy_pj.lane_add, 0.5);
  EXPECT_EQ(t.energy_pj.dma_byte, d.energy_pj.dma_byte);
  EXPECT_EQ(TimingConfig::from_json(t.to_json()).to_json(), t.to_json());
}

// The timing file's keys are exactly the spec's (spec/hycim.json "timing"),
// each defaulting to the spec's value, and each one is read back.
TEST(DeviceConfig, TimingKeysAreTheSpecs) {
  const json d = TimingConfig{}.to_json();
  std::set<std::string> want, energy_want, got, energy_got;
  for (auto k : spec::timing::kKeys) want.emplace(k);
  want.insert("energy_pj");
  for (auto k : spec::timing::kEnergyKeys) energy_want.emplace(k);
  for (const auto& [k, v] : d.items()) got.insert(k);
  for (const auto& [k, v] : d.at("energy_pj").items()) energy_got.insert(k);
  EXPECT_EQ(got, want);
  EXPECT_EQ(energy_got, energy_want);
  EXPECT_EQ(d.at("clock_mhz").get<double>(), spec::timing::kClockMhz);
  EXPECT_EQ(d.at("energy_pj").at("dma_byte").get<double>(), spec::timing::energy_pj::kDmaByte);
  // Every key is read: doubling each one (clock halved, so one-cycle steps
  // still fit) comes back doubled.
  json twice = d;
  for (auto k : spec::timing::kKeys) twice[std::string(k)] = d.at(std::string(k)).get<double>() * 2;
  twice["clock_mhz"] = d.at("clock_mhz").get<double>() / 2;
  for (auto k : spec::timing::kEnergyKeys)
    twice["energy_pj"][std::string(k)] = d.at("energy_pj").at(std::string(k)).get<double>() * 2;
  EXPECT_EQ(TimingConfig::from_json(twice).to_json(), twice);
}

TEST(DeviceConfig, BadTimingKeysAreNamed) {
  auto err = [](const char* text) {
    return error_of([&] { TimingConfig::from_json(json::parse(text)); });
  };
  EXPECT_EQ(err(R"({"clock_mhz": 200, "clock_ghz": 1})"), "timing.clock_ghz: unknown key");
  EXPECT_EQ(err(R"({"energy_pj": {"lane_ad": 1}})"), "timing.energy_pj.lane_ad: unknown key");
  EXPECT_EQ(err(R"({"clock_mhz": "fast"})"), "timing.clock_mhz: expected a number, got \"fast\"");
  EXPECT_EQ(err(R"({"dma_bytes_per_ns": 0})"),
            "timing.dma_bytes_per_ns: must be a positive number, got 0");
  EXPECT_EQ(err(R"({"energy_pj": {"dma_byte": -1}})"),
            "timing.energy_pj.dma_byte: must be >= 0, got -1");
  EXPECT_NE(err(R"({"clock_mhz": 1000})").find("timing.nvm_read_ns: 5 ns does not fit one cycle"),
            std::string::npos);
  EXPECT_EQ(err(R"({"ecc_decode_cycles": 1.5})"),
            "timing.ecc_decode_cycles: must be a whole number of cycles, 0..1e6, got 1.5");
  EXPECT_EQ(err(R"({"ecc_decode_cycles": -1})"),
            "timing.ecc_decode_cycles: must be a whole number of cycles, 0..1e6, got -1");
  EXPECT_EQ(TimingConfig::from_json(json::parse(R"({"ecc_decode_cycles": 0})")).ecc_decode_cycles,
            0);
  EXPECT_EQ(err(R"([1])"), "timing: expected a JSON object");
}

TEST(DeviceConfig, PresetsSetTheSize) {
  const DeviceConfig xl = DeviceConfig::from_json(json::parse(R"({"preset": "xl"})"));
  EXPECT_EQ(xl.tiles, spec::device::kMaxTiles);
  EXPECT_EQ(xl.tile_config, "default");
  const DeviceConfig cnn =
      DeviceConfig::from_json(json::parse(R"({"preset": "cnn", "tile_kind": "model"})"));
  EXPECT_EQ(cnn.tiles, 1024u);
  // 16 MiB of int8 weights: 1024 tiles x 512 NVM rows x 32 lanes.
  EXPECT_EQ(uint64_t{cnn.tiles} * spec::kDefaultTile.nvm_rows * spec::kDefaultTile.lanes,
            uint64_t{16} << 20);
}

TEST(DeviceConfig, DeviceKeysAreNamed) {
  const DeviceConfig c = DeviceConfig::from_json(json::parse(
      R"({"tile_config": "small", "tiles": 3, "tile_kind": "model", "timing": {"clock_mhz": 150}})"));
  EXPECT_EQ(c.tiles, 3u);
  EXPECT_EQ(c.timing.clock_mhz, 150);
  EXPECT_EQ(DeviceConfig::from_json(c.to_json()).to_json(), c.to_json());
  auto err = [](const char* text) {
    return error_of([&] { DeviceConfig::from_json(json::parse(text)); });
  };
  EXPECT_EQ(err(R"({"tile": 1})"), "device.tile: unknown key");
  EXPECT_EQ(err(R"({"tiles": 4097})"), "device.tiles: 4097 not in 1..4096");
  EXPECT_EQ(err(R"({"preset": "huge"})"),
            "device.preset: 'huge' is not a preset (known: default, edge, cnn, xl)");
  EXPECT_EQ(err(R"({"preset": "cnn", "tiles": 8})"),
            "device.tiles: given with preset 'cnn', which sets it");
  EXPECT_EQ(err(R"({"tiles": 0})"), "device.tiles: 0 not in 1..4096");
  EXPECT_EQ(err(R"({"tiles": "many"})"), "device.tiles: wrong type (\"many\")");
  EXPECT_EQ(err(R"({"tile_kind": "fpga"})"), "tile_kind 'fpga': expected 'model' or 'rtl'");
  EXPECT_NE(err(R"({"tile_config": "huge"})").find("device.tile_config:"), std::string::npos);
  EXPECT_EQ(err(R"({"timing": {"bogus": 1}})"), "timing.bogus: unknown key");
  if (!rtl_built()) {
    EXPECT_NE(error_of([] { make_tile(TileKind::kRtl, spec::kSmallTile); }).find("HYCIM_WITH_RTL"),
              std::string::npos);
  }
}

// Found by tests/fuzz/config_json_fuzz.cpp: a whole-number key took any
// number (a float out of range being undefined behaviour) and wrapped or
// truncated it.
TEST(DeviceConfig, WholeNumberKeysRefuseOtherNumbers) {
  auto err = [](const char* text) {
    return error_of([&] { DeviceConfig::from_json(json::parse(text)); });
  };
  EXPECT_EQ(err(R"({"tiles": 1e300})"),
            "device.tiles: 1e+300 is not a whole number in 0..4294967295");
  EXPECT_EQ(err(R"({"tiles": 4294967297})"),
            "device.tiles: 4294967297 is not a whole number in 0..4294967295");
  EXPECT_EQ(err(R"({"tiles": -1})"), "device.tiles: -1 is not a whole number in 0..4294967295");
  EXPECT_EQ(err(R"({"tiles": 2.5})"), "device.tiles: 2.5 is not a whole number in 0..4294967295");
  EXPECT_EQ(err(R"({"tiles": true})"), "device.tiles: wrong type (true)");
  EXPECT_EQ(err(R"({"faults": {"model": "rram", "seed": -1.5e300}})"),
            "device.faults.seed: -1.5e+300 is not a whole number in 0..18446744073709551615");
  EXPECT_EQ(err(R"({"faults": {"model": "rram", "verify_retries": 1e10}})"),
            "device.faults.verify_retries: 10000000000.0 is not a whole number in 0..4294967295");
  EXPECT_EQ(DeviceConfig::from_json(json::parse(R"({"tiles": 2})")).tiles, 2u);
  // A program's int (a signed JSON number) is as good as parsed text.
  EXPECT_EQ(DeviceConfig::from_json({{"tiles", int{3}}}).tiles, 3u);
  EXPECT_EQ(error_of([] {
              DeviceConfig::from_json({{"tiles", int{-3}}});
            }),
            "device.tiles: -3 is not a whole number in 0..4294967295");
}

// Found by tests/fuzz/config_json_fuzz.cpp: a number too large for a double
// escaped TimingConfig::from_file as a nlohmann::json::out_of_range.
TEST(DeviceConfig, ATimingFileWithAnImpossibleNumberIsNotJson) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("hycim_timing_" + std::to_string(::getpid()));
  std::ofstream(path) << R"({"clock_mhz": 1e666666})";
  EXPECT_NE(error_of([&] { TimingConfig::from_file(path); }).find("not JSON"), std::string::npos);
  std::filesystem::remove(path);
}

// The array's energy follows the data (docs/device.md, "Energy"): every
// raised row costs LANES lane reads, and every 1 bit of its weights switches
// the adder tree, once per set bit of its input. Reprogramming a row changes
// what its next MVM costs (the runner's per-row counts are refreshed).
TEST(DeviceStats, MvmEnergyFollowsTheWeightBitsRead) {
  in_child([] {
    DeviceConfig cfg = small_config(1);
    HostBench tb("tb", cfg);
    tb.setup();
    std::vector<uint8_t> x(16, 0), w(16 * 8, 0);
    x[0] = 0x81;  // raises row 0 in two planes
    x[5] = 0x01;  // row 5 in one
    for (int l = 0; l < 8; ++l) w[l] = 0xff, w[5 * 8 + l] = 0x01, w[9 * 8 + l] = 0xff;
    put(tb, tb.data(0), x);
    put(tb, tb.data(256), w);
    const std::vector<uint8_t> zeros(8, 0);
    put(tb, tb.data(512), zeros);
    const cmd::Widths wd{};
    auto done = tb.run({cmd::program_nvm(1, 0, 0, 16, tb.data(256)),
                        cmd::mvm(2, 0, 0, 16, 32, tb.data(0), tb.data(1024), wd),
                        cmd::program_nvm(3, 0, 0, 1, tb.data(512)),
                        cmd::mvm(4, 0, 0, 16, 32, tb.data(0), tb.data(1024), wd),
                        cmd::mvm(5, 0, 0, 16, 32, tb.data(0), tb.data(1024), {8, 4, true, true})});
    for (const auto& c : done) ASSERT_EQ(status_of(c), DevStatus::kOk);
    const EnergyPj& e = cfg.timing.energy_pj;
    auto array_of = [&](uint32_t seq) {
      for (const auto& c : tb.device().stats().commands())
        if (c.seq == seq) return c.work.energy_pj.array;
      return -1.0;
    };
    // Row 0: 64 ones x 2 planes; row 5: 8 ones x 1 plane (row 9 is not raised).
    EXPECT_DOUBLE_EQ(array_of(2), 3 * 8 * e.lane_add + (2 * 64 + 8) * e.weight_one);
    EXPECT_DOUBLE_EQ(array_of(4), 3 * 8 * e.lane_add + 8 * e.weight_one);
    // A 4-bit weight reads its low four bits only (row 5's 0x01 still counts).
    EXPECT_DOUBLE_EQ(array_of(5), 3 * 8 * e.lane_add + 8 * e.weight_one);
  });
}

// The device's counted energy and the technology model's formula for the
// same MVM are one sum: with every input and weight bit set (densities 1),
// tech::mvm_energy gives exactly what the device charged.
TEST(DeviceStats, CountedEnergyIsTheTechnologyFormula) {
  in_child([] {
    DeviceConfig cfg = DeviceConfig::from_json(
        json::parse(R"({"tile_config": "small", "tiles": 1, "tech": "hycim22"})"));
    HostBench tb("tb", cfg);
    tb.setup();
    const std::vector<uint8_t> x(16, 0xff), w(16 * 8, 0xff);
    put(tb, tb.data(0), x);
    put(tb, tb.data(256), w);
    auto done = tb.run({cmd::program_nvm(1, 0, 0, 16, tb.data(256)),
                        cmd::mvm(2, 0, 0, 16, 32, tb.data(0), tb.data(1024), cmd::Widths{})});
    for (const auto& c : done) ASSERT_EQ(status_of(c), DevStatus::kOk);
    const auto& mvm = tb.device().stats().commands().back();
    ASSERT_EQ(mvm.seq, 2u);
    const tech::MvmEnergy m = tech::mvm_energy({spec::kSmallTile, tech::WeightCell::kNvm},
                                               tech::load_technology("hycim22"), 16, 8, {1, 1}, 0);
    EXPECT_NEAR(mvm.work.energy_pj.array, m.array + m.tree, 1e-9 * m.array);
    EXPECT_NEAR(mvm.work.energy_pj.shift_add, m.shift_add, 1e-12);
    // The device also writes the input rows before latching them.
    EXPECT_NEAR(mvm.work.energy_pj.sram, 2 * m.input, 1e-12);
  });
}

TEST(DeviceStats, PerCommandTileAndRunFiguresAddUp) {
  in_child([] {
    DeviceConfig cfg = small_config(2);
    HostBench tb("tb", cfg);
    tb.setup();
    std::vector<uint8_t> x(16, 0);
    x[0] = 0x81;  // two bits set in 8-bit planes
    x[5] = 0x01;
    put(tb, tb.data(0), x);
    const cmd::Widths w{};
    auto done = tb.run({cmd::program_nvm(1, 0, 0, 16, tb.data(256)),
                        cmd::mvm(2, 0, 0, 16, 32, tb.data(0), tb.data(1024), w),
                        cmd::write_sram(3, 1, 40, 2, tb.data(0))});
    for (const auto& c : done) ASSERT_EQ(status_of(c), DevStatus::kOk);
    const Stats& s = tb.device().stats();
    // Stats are in completion order: tile 1's command ends first.
    const auto& cmds = s.commands();
    const auto& mvm =
        *std::find_if(cmds.begin(), cmds.end(), [](const auto& c) { return c.seq == 2; });
    ASSERT_EQ(mvm.opcode, DevOpcode::kMvm);
    const EnergyPj& e = cfg.timing.energy_pj;
    EXPECT_EQ(mvm.work.row_activations, 3u);
    EXPECT_EQ(mvm.work.macs, 16u * 8);
    EXPECT_EQ(mvm.work.dma_bytes, 16u + 8 * 4);
    EXPECT_DOUBLE_EQ(mvm.work.energy_pj.array, 3 * 8 * e.lane_add);
    EXPECT_DOUBLE_EQ(mvm.work.energy_pj.shift_add, 8 * 8 * e.shift_add);
    EXPECT_DOUBLE_EQ(mvm.work.energy_pj.dma, 48 * e.dma_byte);
    // 2 input rows written, then the tile MVM (docs/device.md's table):
    // 1 + ceil(16 / LANES 8) + xbits 8 * ceil(16 / ROWS_PER_CYCLE 4) = 35.
    EXPECT_EQ(mvm.work.cycles, 2u + 35u);
    EXPECT_EQ(s.tile(0).commands, 2u);
    EXPECT_EQ(s.tile(1).commands, 1u);
    EXPECT_EQ(s.tile(0).work.cycles, done[0].cycles + done[1].cycles);
    EXPECT_EQ(s.tile(0).work.nvm_programs, 16u);
    EXPECT_EQ(s.total().dma_bytes, 16u * 8 + 48 + 16 + 3 * (64 + 16));

    const auto dir =
        std::filesystem::temp_directory_path() / ("hycim_stats_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    s.write_json(dir / "s.json", Device::now_ns());
    s.write_csv(dir / "s.csv");
    const json j = json::parse(std::ifstream(dir / "s.json"));
    EXPECT_EQ(j["run"]["commands"], 3);
    EXPECT_EQ(j["commands"][2]["opcode"], "MVM");
    EXPECT_EQ(j["commands"][2]["status"], "OK");
    EXPECT_EQ(j["tiles"].size(), 2u);
    const double util = j["tiles"][0]["utilization"];
    EXPECT_GT(util, 0);
    EXPECT_LE(util, 1);
    EXPECT_DOUBLE_EQ(j["run"]["energy_pj"]["total"].get<double>(), s.total().energy_pj.total());
    std::ifstream csv(dir / "s.csv");
    std::string header, line;
    std::getline(csv, header);
    EXPECT_EQ(header.rfind("ring_index,seq,opcode,tile,status,", 0), 0u);
    int lines = 0;
    while (std::getline(csv, line)) ++lines;
    EXPECT_EQ(lines, 3);
    std::filesystem::remove_all(dir);
  });
}

// What the driver charges a context for its batch: the commands recorded and
// the ring DMA added after a mark, nothing from before it.
TEST(DeviceStats, SinceAMarkIsOnlyWhatCameAfter) {
  Stats s(2, 5.0);
  Work before;
  before.cycles = 7;
  before.macs = 64;
  before.energy_pj.array = 1.5;
  s.record({0, 1, DevOpcode::kMvm, 0, DevStatus::kOk, 0, 10, before});
  s.add_ring_dma(80, 3200);
  const Stats::Mark m = s.mark();
  EXPECT_EQ(s.since(m).cycles, 0u);
  EXPECT_EQ(s.since(m).dma_bytes, 0u);
  EXPECT_EQ(s.since(m).energy_pj.total(), 0.0);

  Work after;
  after.cycles = 5;
  after.nvm_programs = 2;
  after.dma_bytes = 16;
  after.energy_pj.nvm_program = 1280;
  after.energy_pj.dma = 640;
  s.record({1, 2, DevOpcode::kProgramNvm, 1, DevStatus::kOk, 10, 20, after});
  s.add_ring_dma(80, 3200);
  const Work w = s.since(m);
  EXPECT_EQ(w.cycles, 5u);
  EXPECT_EQ(w.macs, 0u);
  EXPECT_EQ(w.nvm_programs, 2u);
  EXPECT_EQ(w.dma_bytes, 16u + 80);
  EXPECT_EQ(w.energy_pj.array, 0.0);
  EXPECT_EQ(w.energy_pj.nvm_program, 1280.0);
  EXPECT_EQ(w.energy_pj.dma, 640.0 + 3200);
  // From the start it is the whole run.
  EXPECT_EQ(s.since({}).cycles, s.total().cycles);
  EXPECT_EQ(s.since({}).dma_bytes, s.total().dma_bytes);
  EXPECT_EQ(s.since({}).energy_pj.total(), s.total().energy_pj.total());
}

// The time model to the picosecond: one MVM on an idle device is its input
// DMA read (bytes / bandwidth + latency), its tile cycles x period, then its
// posted result and completion writes (bytes / bandwidth each).
TEST(DeviceStats, RecordsAreBoundedTotalsAreNot) {
  Stats s(1, 5.0);
  Work one;
  one.cycles = 3;
  one.macs = 2;
  const Stats::Mark start = s.mark();
  const size_t n = Stats::kMaxCommandRecords + 10;
  for (size_t i = 0; i < n; ++i)
    s.record({static_cast<uint32_t>(i), static_cast<uint32_t>(i), DevOpcode::kMvm, 0,
              DevStatus::kOk, 0, 1, one});
  EXPECT_EQ(s.commands().size(), Stats::kMaxCommandRecords);  // a long-lived daemon stays bounded
  EXPECT_EQ(s.commands_recorded(), n);
  EXPECT_EQ(s.commands_dropped(), 10u);
  EXPECT_EQ(s.commands().front().seq, 10u);  // the oldest went first
  EXPECT_EQ(s.total().cycles, 3 * n);
  EXPECT_EQ(s.tile(0).commands, n);
  EXPECT_EQ(s.since(start).macs, 2 * n);  // a mark from before the drop still counts all
  EXPECT_EQ(s.to_json(1.0)["run"]["commands"], n);
}

TEST(DeviceTiming, MvmTakesDmaPlusCyclesExactly) {
  in_child([] {
    DeviceConfig cfg = small_config(1);
    cfg.timing.dma_bytes_per_ns = 8;
    cfg.timing.dma_latency_ns = 100;
    HostBench tb("tb", cfg);
    tb.setup();
    const double t0 = Device::now_ns();
    const auto done = tb.run({cmd::mvm(1, 0, 0, 16, 32, tb.data(0), tb.data(64))});
    ASSERT_EQ(status_of(done[0]), DevStatus::kOk);
    // 2 input rows written + the tile MVM, 1 + ceil(16 / 8) + 8 * ceil(16 / 4)
    // (docs/device.md's table, worked out by hand).
    const uint64_t cycles = 2 + 35;
    ASSERT_EQ(done[0].cycles, cycles);
    const auto& c = tb.device().stats().commands()[0];
    EXPECT_DOUBLE_EQ(c.start_ns - t0, 64 / 8.0 + 100);  // fetch burst of one entry
    EXPECT_DOUBLE_EQ(c.end_ns - c.start_ns, (16 / 8.0 + 100) + cycles * 5.0 + 32 / 8.0 + 16 / 8.0);
    EXPECT_DOUBLE_EQ(Device::now_ns(), c.end_ns);
    // The tile's clock followed simulated time up to its first tile command
    // (after the input DMA read), then ran the command's cycles.
    const double first_cmd_ns = c.start_ns + 16 / 8.0 + 100;
    EXPECT_EQ(tb.device().tile(0).now(), uint64_t(first_cmd_ns / 5.0) + cycles);
  });
}

}  // namespace
}  // namespace hycim::device::testing
