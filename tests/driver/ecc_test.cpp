// The NVM's ECC counters through the driver: per-context usage
// (ecc_corrected, ecc_uncorrectable, nvm_program_retries, nvm_scrubbed_rows,
// energy_ecc_pj) and per-tile health (Device::tile_health,
// hycim_get_tile_health), on a device whose cells fail quickly, in-process and
// through hycimd; the fault setup in DeviceInfo; tiles the device lacks
// refused at every layer.
#include <cstring>
#include <random>

#include "driver/lib/backend.hpp"
#include "tests/driver/fault_device.hpp"

namespace hycim::driver::test {
namespace {

// Read disturb breaks rows within tens of reads (the harsh model of
// tests/device/nvm_faults_test.cpp), and one program pulse in 500 misses a
// cell, so write-verify repeats some; retention does nothing in a test's time.
constexpr const char* kHarshModel = R"({
  "stuck_at_0": 0, "stuck_at_1": 0, "read_disturb": 5e-4, "write_error_rate": 2e-3,
  "endurance": 1e9, "retention": {"ea_ev": 1.0, "ber": 1e-12, "time_s": 1e9, "temp_c": 85}})";
constexpr uint32_t kTiles = 2, kRows = 32, kLanes = 8, kMvms = 60;

// The harsh model (seed 9) on `backend` (FaultDevice: "sim" or "unix").
struct FaultyDevice : FaultDevice {
  explicit FaultyDevice(const std::string& backend)
      : FaultDevice(backend, "harsh", kHarshModel, 9) {}
};

// Programs every NVM row of both tiles, then runs kMvms MVMs over all of them
// on each tile: the rows' read disturb adds up until the ECC corrects reads,
// then refuses them (NVM_UNCORRECTABLE). The same commands every call.
std::vector<CompletionRecord> wear_out(Device& d) {
  std::mt19937 rng(5);
  auto w = d.alloc(kRows * kLanes), x = d.alloc(kRows), y = d.alloc(kLanes * 4);
  for (size_t i = 0; i < w->size(); ++i) w->bytes()[i] = static_cast<uint8_t>(rng());
  for (size_t i = 0; i < x->size(); ++i) x->bytes()[i] = static_cast<uint8_t>(rng() | 1);
  EXPECT_EQ(w->map(HYCIM_ACCESS_READ), Status::kOk);
  EXPECT_EQ(x->map(HYCIM_ACCESS_READ), Status::kOk);
  EXPECT_EQ(y->map(HYCIM_ACCESS_WRITE), Status::kOk);
  std::vector<CommandRecord> cmds;
  uint32_t seq = 0;
  for (uint16_t t = 0; t < kTiles; ++t)
    cmds.push_back(cmd::program_nvm(++seq, t, 0, kRows, w->iova()));
  for (uint32_t i = 0; i < kMvms; ++i)
    for (uint16_t t = 0; t < kTiles; ++t)
      cmds.push_back(cmd::mvm(++seq, t, 0, kRows, kRows, x->iova(), y->iova()));
  return run_all(d, cmds);
}

class DriverEcc : public ::testing::TestWithParam<const char*> {};

TEST_P(DriverEcc, UsageCountsWhatTheTilesCounted) {
  FaultyDevice f(GetParam());
  auto dev = Device::open(f.uri);
  const auto done = wear_out(*dev);
  size_t refused = 0;
  for (const auto& c : done)
    refused += c.status == static_cast<uint16_t>(sd::DevStatus::kNvmUncorrectable);
  Usage u{};
  ASSERT_EQ(dev->usage(&u), Status::kOk);
  EXPECT_GT(u.ecc_corrected, 0u) << "no single bad bit was ever corrected";
  EXPECT_GT(u.ecc_uncorrectable, 0u) << "read disturb at 5e-4 broke no row in 60 reads";
  // A refused MVM counts every row of it the ECC could not correct.
  EXPECT_GT(refused, 0u);
  EXPECT_GE(u.ecc_uncorrectable, refused);
  EXPECT_GT(u.nvm_program_retries, 0u) << "a 1/500 pulse miss on 64 rows of 72 cells";
  EXPECT_EQ(u.nvm_programs, kTiles * kRows + u.nvm_program_retries);
  EXPECT_EQ(u.nvm_scrubbed_rows, 0u);
  EXPECT_GT(u.energy_ecc_pj, 0.0);
  EXPECT_EQ(u.energy_total_pj, u.energy_array_pj + u.energy_shift_add_pj + u.energy_sram_pj +
                                   u.energy_nvm_program_pj + u.energy_dma_pj + u.energy_ecc_pj);

  // The only context that worked: its usage is the device's own per-tile
  // counts (Stats::tile(i).work.ecc) summed.
  TileHealth sum{};
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth h = health_of(*dev, t);
    EXPECT_GT(h.ecc_corrected, 0u) << "tile " << t;
    sum.ecc_corrected += h.ecc_corrected;
    sum.ecc_uncorrectable += h.ecc_uncorrectable;
    sum.nvm_program_retries += h.nvm_program_retries;
    sum.nvm_scrubbed_rows += h.nvm_scrubbed_rows;
  }
  EXPECT_EQ(sum.ecc_corrected, u.ecc_corrected);
  EXPECT_EQ(sum.ecc_uncorrectable, u.ecc_uncorrectable);
  EXPECT_EQ(sum.nvm_program_retries, u.nvm_program_retries);
  EXPECT_EQ(sum.nvm_scrubbed_rows, u.nvm_scrubbed_rows);

  // Health is the device's, not the context's: another context sees it all
  // and its own usage is zero.
  auto other = Device::open(f.uri);
  Usage theirs{};
  ASSERT_EQ(other->usage(&theirs), Status::kOk);
  EXPECT_EQ(theirs.ecc_corrected, 0u);
  EXPECT_EQ(health_of(*other, 0).ecc_corrected, health_of(*dev, 0).ecc_corrected);
}

TEST_P(DriverEcc, InfoNamesTheFaultSetup) {
  FaultyDevice f(GetParam());
  auto dev = Device::open(f.uri);
  DeviceInfo info;
  ASSERT_EQ(dev->info(&info), Status::kOk);
  ASSERT_TRUE(info.faults.has_value());
  EXPECT_EQ(info.faults->model, "harsh");  // the JSON file's stem
  EXPECT_EQ(info.faults->seed, 9u);
  EXPECT_EQ(info.faults->ecc, "secded");
  EXPECT_EQ(info.faults->temp_c, 85.0);
  EXPECT_EQ(info.faults->verify_retries, 3u);
  EXPECT_EQ(info.faults->spare_rows, 0u) << "no spares asked for";
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverEcc, ::testing::Values("sim", "unix"),
                         [](const auto& info) { return std::string(info.param); });

// The same commands on an in-process device and a daemon's: the same fault
// draws, so the same counts, tile by tile.
TEST(DriverEccBackends, InProcessAndDaemonCountTheSame) {
  FaultyDevice sim("sim"), unix("unix");
  auto a = Device::open(sim.uri), b = Device::open(unix.uri);
  const auto done_a = wear_out(*a), done_b = wear_out(*b);
  ASSERT_EQ(done_a.size(), done_b.size());
  for (size_t i = 0; i < done_a.size(); ++i) EXPECT_EQ(done_a[i].status, done_b[i].status) << i;
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth ha = health_of(*a, t), hb = health_of(*b, t);
    EXPECT_EQ(ha.ecc_corrected, hb.ecc_corrected) << "tile " << t;
    EXPECT_EQ(ha.ecc_uncorrectable, hb.ecc_uncorrectable) << "tile " << t;
    EXPECT_EQ(ha.nvm_program_retries, hb.nvm_program_retries) << "tile " << t;
    EXPECT_EQ(ha.nvm_scrubbed_rows, hb.nvm_scrubbed_rows) << "tile " << t;
    hycim_tile_health c{};
    hycim_device* h = nullptr;
    ASSERT_EQ(hycim_open_device(unix.uri.c_str(), &h), HYCIM_OK);
    ASSERT_EQ(hycim_get_tile_health(h, t, &c), HYCIM_OK);
    EXPECT_EQ(std::memcmp(&c, &hb, sizeof c), 0) << "the C API reads what the C++ API reads";
    hycim_close_device(h);
  }
  Usage ua{}, ub{};
  ASSERT_EQ(a->usage(&ua), Status::kOk);
  ASSERT_EQ(b->usage(&ub), Status::kOk);
  EXPECT_EQ(ua.ecc_corrected, ub.ecc_corrected);
  EXPECT_EQ(ua.ecc_uncorrectable, ub.ecc_uncorrectable);
  EXPECT_EQ(ua.nvm_program_retries, ub.nvm_program_retries);
  EXPECT_EQ(ua.energy_ecc_pj, ub.energy_ecc_pj);
}

// On the fixture's devices (no fault model): zero counters, no fault setup,
// and a tile the device lacks refused by the C API (naming tile and count),
// the C++ API, and the engine or daemon behind the backend.
TEST_P(DriverApi, TileHealthWithoutFaultsAndBadTiles) {
  DeviceInfo info;
  ASSERT_EQ(dev_->info(&info), Status::kOk);
  EXPECT_FALSE(info.faults.has_value());
  for (uint32_t t = 0; t < 2; ++t) {
    TileHealth h{1, 1, 1, 1, 1, 1};
    ASSERT_EQ(dev_->tile_health(t, &h), Status::kOk);
    EXPECT_EQ(h.ecc_corrected + h.ecc_uncorrectable + h.nvm_program_retries + h.nvm_scrubbed_rows +
                  h.nvm_remapped_rows + h.nvm_spare_rows_used,
              0u);
  }
  TileHealth h{};
  EXPECT_EQ(dev_->tile_health(2, &h), Status::kInvalid);
  EXPECT_EQ(dev_->tile_health(UINT32_MAX, &h), Status::kInvalid);

  auto backend = open_backend(uri_);
  EXPECT_EQ(backend->tile_health(2, &h), Status::kInvalid);
  EXPECT_EQ(backend->tile_health(65536, &h), Status::kInvalid);
  EXPECT_EQ(backend->tile_health(1, &h), Status::kOk) << "a refused tile breaks nothing";

  hycim_device* c = nullptr;
  ASSERT_EQ(hycim_open_device(uri_.c_str(), &c), HYCIM_OK);
  hycim_tile_health ch{};
  EXPECT_EQ(hycim_get_tile_health(c, 2, &ch), HYCIM_E_INVALID);
  EXPECT_STREQ(hycim_get_last_error(),
               "hycim_get_tile_health: tile 2 does not exist: the device has 2 tiles (0..1)");
  EXPECT_EQ(hycim_get_tile_health(c, 0, nullptr), HYCIM_E_INVALID);
  EXPECT_EQ(hycim_get_tile_health(nullptr, 0, &ch), HYCIM_E_INVALID);
  EXPECT_EQ(hycim_get_tile_health(c, 1, &ch), HYCIM_OK);
  hycim_close_device(c);
}

}  // namespace
}  // namespace hycim::driver::test
