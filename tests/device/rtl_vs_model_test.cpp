// A device of RTL tiles and a device of model tiles, side by side in one
// simulation, run the same random command streams (legal and illegal, every
// opcode, several tiles); completions, host memory, per-command stats and
// simulated times, and the whole array state must all be identical; with a
// fault model too (corrections, refusals, write-verify, SCRUB and the
// background scrub).
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "tests/device/device_test_support.hpp"
#include "tests/device/persistence_pattern.hpp"

namespace hycim::device::testing {
namespace {

constexpr uint32_t kTiles = 2;
constexpr uint64_t kInputBytes = 64 * 1024, kOutSlot = 256;

class Stream {
 public:
  Stream(const spec::TileConfig& t, uint64_t in, uint64_t out, unsigned seed)
      : t_(t), in_(in), out_(out), rng_(seed) {}

  sd::CommandRecord next(uint32_t seq) {
    const uint8_t tile = pick(0, kTiles - 1);
    const uint64_t src = in_ + pick(0, kInputBytes - 4096), dst = out_ + seq * kOutSlot;
    const uint32_t nvm = t_.nvm_rows, sram0 = nvm, rows = t_.rows();
    const uint32_t maxrows = kOutSlot / t_.lanes;
    switch (pick(0, 12)) {
      case 0:
        return cmd::nop(seq);
      case 1:
        return cmd::fence(seq);
      case 2:
        return cmd::write_sram(seq, tile, pick(sram0, rows - 1), 1 + pick(0, 1), src);
      case 3:
        return cmd::read_sram(seq, tile, pick(0, rows - maxrows), pick(1, maxrows), dst);
      case 4:
        return cmd::program_nvm(seq, tile, pick(0, std::min(nvm, 8u) - 1), pick(1, 3), src);
      case 5:
        return cmd::read_wear(seq, tile, pick(0, nvm - 4), 4, dst);
      case 6:
        return cmd::emul(seq, tile, pick(0, 7), pick(sram0, rows - 1), dst, widths());
      case 7: {  // an illegal record: garbage in one field
        sd::CommandRecord c = cmd::mvm(seq, tile, 0, 1, sram0, src, dst, widths());
        const uint8_t which = pick(0, 3);
        if (which == 0) c.opcode = pick(9, 255);
        if (which == 1) c.tile = kTiles;
        if (which == 2) c.count = rows + 1;
        if (which == 3) c.reserved1[pick(0, 23)] = 1;
        return c;
      }
      case 8:
        return cmd::scrub(seq, tile, pick(0, nvm - 8), pick(1, 8));
      default: {
        const uint32_t k = pick(1, std::min(rows, t_.sram_rows * t_.lanes));
        const uint32_t xrows = (k + t_.lanes - 1) / t_.lanes;
        return cmd::mvm(seq, tile, pick(0, rows - k), k, pick(sram0, rows - xrows), src, dst,
                        widths(), pick(0, 3) == 0);
      }
    }
  }

 private:
  uint32_t pick(uint64_t lo, uint64_t hi) {
    return static_cast<uint32_t>(std::uniform_int_distribution<uint64_t>(lo, hi)(rng_));
  }
  cmd::Widths widths() {
    return {uint8_t(pick(1, t_.xbits)), uint8_t(pick(1, t_.wbits)), pick(0, 1) == 1,
            pick(0, 1) == 1};
  }

  spec::TileConfig t_;
  uint64_t in_, out_;
  std::mt19937 rng_;
};

void expect_same_device(HostBench& rtl, HostBench& model, uint64_t mem_bytes) {
  EXPECT_TRUE(std::ranges::equal(rtl.mem(HostBench::kBase, mem_bytes),
                                 model.mem(HostBench::kBase, mem_bytes)))
      << "host memory differs";
  const auto& a = rtl.device().stats().commands();
  const auto& b = model.device().stats().commands();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seq, b[i].seq) << i;
    EXPECT_EQ(a[i].status, b[i].status) << i;
    EXPECT_EQ(a[i].work.cycles, b[i].work.cycles) << i;
    EXPECT_EQ(a[i].start_ns, b[i].start_ns) << i;
    EXPECT_EQ(a[i].end_ns, b[i].end_ns) << i;
    EXPECT_EQ(a[i].work.energy_pj.total(), b[i].work.energy_pj.total()) << i;
  }
  const spec::TileConfig& t = rtl.device().tile(0).config();
  for (uint32_t i = 0; i < kTiles; ++i) {
    tile::Tile &x = rtl.device().tile(i), &y = model.device().tile(i);
    EXPECT_EQ(x.now(), y.now()) << "tile " << i;
    for (uint32_t r = 0; r < t.rows(); ++r) EXPECT_EQ(x.peek_row(r), y.peek_row(r)) << r;
    for (uint32_t r = 0; r < t.nvm_rows; ++r) EXPECT_EQ(x.peek_wear(r), y.peek_wear(r)) << r;
  }
}

void run_stream(const char* config, unsigned seed, uint32_t commands,
                std::optional<FaultConfig> faults = std::nullopt) {
  in_child([&] {
    const uint64_t mem_bytes = 1 << 20;
    DeviceConfig mc = small_config(kTiles, TileKind::kModel);
    mc.tile_config = config;
    mc.faults = faults;
    DeviceConfig rc = mc;
    rc.tile_kind = TileKind::kRtl;
    HostBench r("rtl_dev", rc, mem_bytes), m("model_dev", mc, mem_bytes);
    const uint64_t in = r.data(0), out = r.data(kInputBytes);
    std::mt19937 rng(seed);
    const auto bytes = random_bytes(rng, kInputBytes);
    put(r, in, bytes);
    put(m, in, bytes);
    r.setup();
    m.setup();
    Stream stream(tile::named_config(config), in, out, seed);
    uint32_t seq = 0, ok = 0;
    while (seq < commands) {
      std::vector<sd::CommandRecord> batch;
      for (uint32_t i = 0; i < 64 && seq < commands; ++i) batch.push_back(stream.next(seq++));
      const auto rs = r.submit(batch), ms = m.submit(batch);
      sc_core::sc_start();
      const auto a = r.collect(rs), b = m.collect(ms);
      for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof a[i]), 0) << "command " << a[i].seq;
        ok += a[i].status == 0;
      }
    }
    EXPECT_GT(ok, commands / 3) << "the stream is mostly errors: it tests too little";
    expect_same_device(r, m, mem_bytes);
    const EccCounts a = r.device().stats().total().ecc, b = m.device().stats().total().ecc;
    EXPECT_EQ(a.corrected, b.corrected);
    EXPECT_EQ(a.uncorrectable, b.uncorrectable);
    EXPECT_EQ(a.retries, b.retries);
    EXPECT_EQ(a.scrubbed, b.scrubbed);
    EXPECT_EQ(a.remapped, b.remapped);
    for (uint32_t t = 0; t < kTiles; ++t)
      EXPECT_EQ(r.device().spares_used(t), m.device().spares_used(t)) << "tile " << t;
    EXPECT_EQ(r.device().stats().background().cycles, m.device().stats().background().cycles);
    if (faults) {
      EXPECT_GT(a.corrected, 0u) << "the fault model never acted: the test shows nothing";
      EXPECT_GT(a.uncorrectable, 0u);
      EXPECT_GT(a.retries, 0u);
      EXPECT_GT(a.scrubbed, 0u) << "no scrub (SCRUB or background) programmed a row again";
      EXPECT_GT(r.device().stats().background().cycles, 0u) << "the background scrub never ran";
      if (faults->setup.spare_rows > 0) {
        EXPECT_GT(a.remapped, 0u) << "no row moved to a spare: the spares are not tested";
      }
    }
  });
}

// A harsh fault model (every kind of fault, often) so that write-verify,
// corrections and refusals all happen within a short stream.
FaultConfig harsh_faults() {
  FaultConfig f;
  f.setup.model = tech::NvmFaults::from_json(
      {{"name", "harsh"},
       {"stuck_at_0", 0.003},
       {"stuck_at_1", 0.003},
       {"retention", {{"ea_ev", 1.0}, {"ber", 1e-3}, {"time_s", 1e-3}, {"temp_c", 85.0}}},
       {"read_disturb", 2e-3},
       {"write_error_rate", 0.01},
       {"endurance", 1e6}});
  f.setup.seed = 4;
  f.model_ref = "harsh";
  f.scrub_interval_s = 20e-6;  // the background scrub runs several times a stream
  return f;
}

TEST(DeviceRtlVsModel, RandomStreamsSmall) {
  run_stream("small", 1, 400);
}
TEST(DeviceRtlVsModel, RandomStreamsDefault) {
  run_stream("default", 2, 200);
}
TEST(DeviceRtlVsModel, RandomStreamsWithFaults) {
  run_stream("small", 3, 400, harsh_faults());
}
// Rows that fail write-verify move to spare rows the same way in both.
TEST(DeviceRtlVsModel, RandomStreamsWithFaultsAndSpareRows) {
  FaultConfig f = harsh_faults();
  f.setup.spare_rows = 4;
  run_stream("small", 5, 400, f);
}

// Power-on restore into RTL tiles: an image programmed by a model-backed
// device in another process gives an RTL-backed device the same weights and
// wear, and MVMs over them match the plain loops.
TEST(DeviceRtlVsModel, RtlTilesRestoreTheNvmImage) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("hycim_device_rtl_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto image = dir / "dev.nvm";
  std::string child = HYCIM_DEVICE_CHILD;  // appended: GCC 12's false -Warray-bounds on operator+
  child.append(" ").append(image.string()).append(" 31 16");
  ASSERT_EQ(std::system(child.c_str()), 0);  // tile 1, rows 2..17
  in_child([&] {
    DeviceConfig c = small_config(2, TileKind::kRtl);
    c.nvm_image = image;
    HostBench tb("tb", c);
    tb.setup();
    const auto w = pattern(31, 16 * 8);
    std::vector<std::vector<uint8_t>> rows;
    for (uint32_t r = 0; r < 16; ++r) {
      rows.emplace_back(w.begin() + r * 8, w.begin() + r * 8 + 8);
      EXPECT_EQ(tb.device().tile(1).peek_row(2 + r), rows.back()) << r;
      EXPECT_EQ(tb.device().tile(1).peek_wear(2 + r), 1u) << r;
    }
    std::mt19937 rng(5);
    const auto x = random_bytes(rng, 16);
    put(tb, tb.data(0), x);
    const auto done = tb.run({cmd::mvm(1, 1, 2, 16, 32, tb.data(0), tb.data(64))});
    ASSERT_EQ(status_of(done[0]), DevStatus::kOk);
    EXPECT_EQ(get_lanes(tb, tb.data(64), 8), reference_mvm(rows, x, cmd::Widths{}));
  });
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hycim::device::testing
