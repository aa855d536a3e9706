// Spare-row counters through the driver: per-context usage
// (nvm_remapped_rows), per-tile health (nvm_remapped_rows since the device
// started, nvm_spare_rows_used in the NVM's lifetime) and the fault setup's
// spare rows per tile in DeviceInfo, on a device whose rows often fail
// write-verify (stuck cells), in-process and through hycimd on either engine:
// the same values from every path. Where the rows go is
// tests/device/nvm_spare_test.cpp's; here only what reaches the host.
#include <cstring>
#include <random>

#include "tests/driver/fault_device.hpp"

namespace hycim::driver::test {
namespace {

// Stuck cells only: the same cells disagree with the data in every pulse, so
// write-verify cannot fix a row and it moves to a spare; nothing else fails
// in a test's time, so every path draws the same moves from the seed. At
// this rate (seed 5) tile 0 uses up its spares and tile 1 does not.
constexpr const char* kStuckModel = R"({
  "stuck_at_0": 1e-3, "stuck_at_1": 1e-3, "read_disturb": 0, "write_error_rate": 0,
  "endurance": 1e9, "retention": {"ea_ev": 1.0, "ber": 1e-30, "time_s": 1e9, "temp_c": 85}})";
constexpr uint32_t kTiles = 2, kRows = 32, kLanes = 8, kSpares = 4;

// The stuck model (seed 5) with kSpares spare rows a tile, on `backend`
// (FaultDevice: "sim", "unix", "unix-systemc").
struct SparingDevice : FaultDevice {
  explicit SparingDevice(const std::string& backend)
      : FaultDevice(backend, "stuck", kStuckModel, 5, kSpares) {}
};

// Programs every NVM row of both tiles, one command a row (a row left
// uncorrectable once the spares ran out fails its own command only). The
// same weights every call.
std::vector<CompletionRecord> program_every_row(Device& d) {
  std::mt19937 rng(3);
  auto w = d.alloc(kRows * kLanes);
  for (size_t i = 0; i < w->size(); ++i) w->bytes()[i] = static_cast<uint8_t>(rng());
  EXPECT_EQ(w->map(HYCIM_ACCESS_READ), Status::kOk);
  std::vector<CommandRecord> cmds;
  uint32_t seq = 0;
  for (uint16_t t = 0; t < kTiles; ++t)
    for (uint32_t r = 0; r < kRows; ++r)
      cmds.push_back(cmd::program_nvm(++seq, t, r, 1, w->iova() + r * kLanes));
  return run_all(d, cmds);
}

class DriverEccSpareRows : public ::testing::TestWithParam<const char*> {};

TEST_P(DriverEccSpareRows, UsageAndHealthCountTheMoves) {
  SparingDevice f(GetParam());
  auto dev = Device::open(f.uri);
  DeviceInfo info;
  ASSERT_EQ(dev->info(&info), Status::kOk);
  ASSERT_TRUE(info.faults.has_value());
  EXPECT_EQ(info.faults->spare_rows, kSpares);
  for (uint32_t t = 0; t < kTiles; ++t) {
    EXPECT_EQ(health_of(*dev, t).nvm_remapped_rows, 0u) << "tile " << t;
    EXPECT_EQ(health_of(*dev, t).nvm_spare_rows_used, 0u) << "a fresh image, tile " << t;
  }

  // A move is stored in the image with the row: none may fail to store.
  for (const auto& c : program_every_row(*dev))
    EXPECT_NE(c.status, static_cast<uint16_t>(sd::DevStatus::kNvmIo)) << "seq " << c.seq;
  Usage u{};
  ASSERT_EQ(dev->usage(&u), Status::kOk);
  EXPECT_GT(u.nvm_remapped_rows, 0u) << "no row of 64 failed verify at 2e-3 stuck cells";
  uint64_t remapped = 0;
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth h = health_of(*dev, t);
    // Every move claims the tile's next spare, and this image started with
    // none claimed: the lifetime count is the count since the device started.
    EXPECT_EQ(h.nvm_remapped_rows, h.nvm_spare_rows_used) << "tile " << t;
    EXPECT_LE(h.nvm_spare_rows_used, kSpares) << "tile " << t;
    remapped += h.nvm_remapped_rows;
  }
  EXPECT_EQ(remapped, u.nvm_remapped_rows) << "the only context's usage is the tiles' sum";

  // The spares are the device's: another context sees them, and its own
  // usage moved nothing.
  auto other = Device::open(f.uri);
  Usage theirs{};
  ASSERT_EQ(other->usage(&theirs), Status::kOk);
  EXPECT_EQ(theirs.nvm_remapped_rows, 0u);
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth mine = health_of(*dev, t), seen = health_of(*other, t);
    EXPECT_EQ(std::memcmp(&mine, &seen, sizeof mine), 0) << "tile " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverEccSpareRows, ::testing::Values("sim", "unix"),
                         [](const auto& info) { return std::string(info.param); });

// The same commands in-process, through hycimd, and through hycimd on the
// SystemC engine: the same stuck cells, so the same moves, tile by tile, and
// the C API reads over the socket what the C++ API reads.
TEST(DriverEccSpareRowsBackends, InProcessAndDaemonCountTheSame) {
  SparingDevice sim("sim"), unix("unix"), systemc("unix-systemc");
  auto a = Device::open(sim.uri), b = Device::open(unix.uri), c = Device::open(systemc.uri);
  const auto done_a = program_every_row(*a), done_b = program_every_row(*b),
             done_c = program_every_row(*c);
  ASSERT_EQ(done_a.size(), done_b.size());
  ASSERT_EQ(done_a.size(), done_c.size());
  for (size_t i = 0; i < done_a.size(); ++i) {
    EXPECT_EQ(done_a[i].status, done_b[i].status) << i;
    EXPECT_EQ(done_a[i].status, done_c[i].status) << i;
  }
  uint64_t remapped = 0;
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth ha = health_of(*a, t), hb = health_of(*b, t), hc = health_of(*c, t);
    remapped += ha.nvm_remapped_rows;
    EXPECT_EQ(ha.nvm_remapped_rows, hb.nvm_remapped_rows) << "tile " << t;
    EXPECT_EQ(ha.nvm_spare_rows_used, hb.nvm_spare_rows_used) << "tile " << t;
    EXPECT_EQ(ha.nvm_remapped_rows, hc.nvm_remapped_rows) << "SystemC, tile " << t;
    EXPECT_EQ(ha.nvm_spare_rows_used, hc.nvm_spare_rows_used) << "SystemC, tile " << t;
    EXPECT_EQ(std::memcmp(&ha, &hb, sizeof ha), 0) << "every counter, tile " << t;
    hycim_tile_health ch{};
    hycim_device* h = nullptr;
    ASSERT_EQ(hycim_open_device(unix.uri.c_str(), &h), HYCIM_OK);
    ASSERT_EQ(hycim_get_tile_health(h, t, &ch), HYCIM_OK);
    EXPECT_EQ(std::memcmp(&ch, &hb, sizeof ch), 0) << "the C API reads what the C++ API reads";
    hycim_close_device(h);
  }
  EXPECT_GT(remapped, 0u);
  // Both cases compared: a tile whose spares ran out and one with some left.
  EXPECT_EQ(health_of(*a, 0).nvm_spare_rows_used, kSpares) << "the stuck model's draw changed";
  EXPECT_LT(health_of(*a, 1).nvm_spare_rows_used, kSpares) << "the stuck model's draw changed";
  Usage ua{}, ub{}, uc{};
  ASSERT_EQ(a->usage(&ua), Status::kOk);
  ASSERT_EQ(b->usage(&ub), Status::kOk);
  ASSERT_EQ(c->usage(&uc), Status::kOk);
  EXPECT_EQ(ua.nvm_remapped_rows, remapped);
  EXPECT_EQ(ua.nvm_remapped_rows, ub.nvm_remapped_rows);
  EXPECT_EQ(ua.nvm_remapped_rows, uc.nvm_remapped_rows);
  EXPECT_EQ(ua.nvm_program_retries, ub.nvm_program_retries);
  for (const SparingDevice* d : {&unix, &systemc}) {
    DeviceInfo info;
    ASSERT_EQ(Device::open(d->uri)->info(&info), Status::kOk);
    ASSERT_TRUE(info.faults.has_value()) << d->uri;
    EXPECT_EQ(info.faults->spare_rows, kSpares) << d->uri;
  }
}

// The spare rows used are the image's, the moves the running device's: a
// device opened again on the image reports the spares at once and no moves.
TEST(DriverEccSpareRowsBackends, SparesUsedOutliveTheDevice) {
  SparingDevice f("sim");
  std::vector<TileHealth> before(kTiles);
  {
    auto dev = Device::open(f.uri);
    program_every_row(*dev);
    for (uint32_t t = 0; t < kTiles; ++t) before[t] = health_of(*dev, t);
  }
  auto dev = Device::open(f.uri);
  uint64_t spares = 0;
  for (uint32_t t = 0; t < kTiles; ++t) {
    const TileHealth h = health_of(*dev, t);
    EXPECT_EQ(h.nvm_spare_rows_used, before[t].nvm_spare_rows_used) << "tile " << t;
    EXPECT_EQ(h.nvm_remapped_rows, 0u) << "tile " << t;
    spares += h.nvm_spare_rows_used;
  }
  EXPECT_GT(spares, 0u);
  Usage u{};
  ASSERT_EQ(dev->usage(&u), Status::kOk);
  EXPECT_EQ(u.nvm_remapped_rows, 0u);
}

}  // namespace
}  // namespace hycim::driver::test
