// Every documented error: each static check, out-of-window DMA (nothing
// touched), host bus errors, a worn-out row, ring faults. The device answers
// with a status and logs it; it never throws or touches what it refused.
#include <gtest/gtest.h>

#include "sim/device/command_check.hpp"
#include "tests/device/device_test_support.hpp"

namespace hycim::device::testing {
namespace {

const spec::TileConfig& kSmall = spec::kSmallTile;
constexpr uint32_t kSram0 = 32, kRows = 48;

struct Case {
  const char* what;
  sd::CommandRecord record;
  DevStatus want;
};

// check_record on its own: one case per rule, in check order.
std::vector<Case> static_cases() {
  const cmd::Widths ok{};
  auto with = [](sd::CommandRecord c, auto f) { return f(c), c; };
  return {
      {"unknown opcode", with(cmd::nop(1), [](auto& c) { c.opcode = 9; }), DevStatus::kBadOpcode},
      {"opcode 255", with(cmd::nop(1), [](auto& c) { c.opcode = 255; }), DevStatus::kBadOpcode},
      {"reserved0", with(cmd::nop(1), [](auto& c) { c.reserved0[1] = 1; }), DevStatus::kBadField},
      {"reserved1", with(cmd::fence(1), [](auto& c) { c.reserved1[23] = 1; }),
       DevStatus::kBadField},
      {"unknown flag", with(cmd::mvm(1, 0, 0, 1, kSram0, 0, 0), [](auto& c) { c.flags |= 8; }),
       DevStatus::kBadField},
      {"bad field before bad tile", with(cmd::nop(1), [](auto& c) { c.reserved0[0] = c.tile = 9; }),
       DevStatus::kBadField},
      {"tile", cmd::write_sram(1, 2, kSram0, 1, 0), DevStatus::kBadTile},
      {"nop ignores tile", with(cmd::nop(1), [](auto& c) { c.tile = 200; }), DevStatus::kOk},
      {"xbits 0", cmd::mvm(1, 0, 0, 1, kSram0, 0, 0, {0, 8, true, true}), DevStatus::kTileBadWidth},
      {"xbits 9", cmd::mvm(1, 0, 0, 1, kSram0, 0, 0, {9, 8, true, true}), DevStatus::kTileBadWidth},
      {"wbits 0", cmd::emul(1, 0, 0, kSram0, 0, {8, 0, true, true}), DevStatus::kTileBadWidth},
      {"width before count", cmd::mvm(1, 0, 0, 0, kSram0, 0, 0, {0, 8, true, true}),
       DevStatus::kTileBadWidth},
      {"mvm count 0", cmd::mvm(1, 0, 0, 0, kSram0, 0, 0, ok), DevStatus::kTileBadCount},
      {"write into NVM", cmd::write_sram(1, 0, kSram0 - 1, 1, 0), DevStatus::kTileRowRange},
      {"write past the array", cmd::write_sram(1, 0, kRows - 1, 2, 0), DevStatus::kTileRowRange},
      {"write count wraps", cmd::write_sram(1, 0, kSram0, 0xffffffff, 0), DevStatus::kTileRowRange},
      {"read past the array", cmd::read_sram(1, 0, kRows, 1, 0), DevStatus::kTileRowRange},
      {"program into SRAM", cmd::program_nvm(1, 0, kSram0 - 1, 2, 0), DevStatus::kTileRowRange},
      {"wear of SRAM", cmd::read_wear(1, 0, kSram0, 1, 0), DevStatus::kTileRowRange},
      {"mvm weights past the array", cmd::mvm(1, 0, kRows - 4, 8, kSram0, 0, 0, ok),
       DevStatus::kTileRowRange},
      {"mvm input in NVM", cmd::mvm(1, 0, 0, 8, kSram0 - 1, 0, 0, ok), DevStatus::kTileRowRange},
      {"mvm input past SRAM", cmd::mvm(1, 0, 0, 9, kRows - 1, 0, 0, ok), DevStatus::kTileRowRange},
      {"emul of SRAM row", cmd::emul(1, 0, kSram0, kSram0, 0, ok), DevStatus::kTileRowRange},
      {"emul by NVM row", cmd::emul(1, 0, 0, 0, 0, ok), DevStatus::kTileRowRange},
      {"zero-row read is fine", cmd::read_sram(1, 0, kRows, 0, 0), DevStatus::kOk},
  };
}

TEST(DeviceErrors, StaticChecksInDocumentedOrder) {
  for (const Case& c : static_cases())
    EXPECT_EQ(check_record(c.record, kSmall, 2), c.want) << c.what;
}

// The same cases through the device: the documented status in the completion
// and ERR_CODE, and nothing read or written besides the ring.
TEST(DeviceErrors, IllegalCommandsChangeNothing) {
  in_child([] {
    HostBench tb("tb", small_config(2));
    tb.setup();
    tb.write(sd::reg::kIrqMask, sd::irq::kError);
    for (const Case& c : static_cases()) {
      if (c.want == DevStatus::kOk) continue;
      const uint64_t moved = tb.memory().transferred();
      tb.write(sd::reg::kErrClear, 0);
      const auto done = tb.run({c.record});
      EXPECT_EQ(status_of(done[0]), c.want) << c.what;
      EXPECT_EQ(done[0].cycles, 0u) << c.what;
      EXPECT_EQ(tb.read(sd::reg::kErrCode), uint32_t(c.want)) << c.what;
      EXPECT_EQ(tb.read(sd::reg::kErrSeq), 1u) << c.what;
      EXPECT_TRUE(tb.irq()) << c.what;
      EXPECT_EQ(tb.memory().transferred() - moved, 64u + 16u) << c.what << ": touched host memory";
      tb.write(sd::reg::kIrqAck, sd::irq::kError);
    }
    for (uint32_t t = 0; t < 2; ++t) EXPECT_EQ(tb.device().tile(t).now(), 0u) << "a tile ran";
  });
}

TEST(DeviceErrors, DmaOutsideTheWindowsIsRefusedUntouched) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    const uint64_t base = HostBench::kBase;
    tb.setup(false);
    // Rings: read the ring, write the completions. Data: one read-only and
    // one write-only window of 256 bytes.
    tb.map_window(0, base, HostBench::kCqOffset, sd::win_ctrl::kRead);
    tb.map_window(1, base + HostBench::kCqOffset, 16 * HostBench::kRingEntries,
                  sd::win_ctrl::kWrite);
    const uint64_t in = tb.data(0), out = tb.data(4096);
    tb.map_window(2, in, 256, sd::win_ctrl::kRead);
    tb.map_window(3, out, 256, sd::win_ctrl::kWrite);
    put(tb, in, std::vector<uint8_t>(256, 7));
    put(tb, out, std::vector<uint8_t>(256, 9));
    const std::vector<Case> cases = {
        {"read past the read window", cmd::write_sram(1, 0, kSram0, 2, in + 256 - 8),
         DevStatus::kDmaFault},
        {"read from the write window", cmd::write_sram(1, 0, kSram0, 1, out), DevStatus::kDmaFault},
        {"program from nowhere", cmd::program_nvm(1, 0, 0, 1, base - 64), DevStatus::kDmaFault},
        {"write to the read window", cmd::read_sram(1, 0, 0, 1, in), DevStatus::kDmaFault},
        {"write straddling the end", cmd::read_wear(1, 0, 0, 2, out + 252), DevStatus::kDmaFault},
        {"mvm input outside", cmd::mvm(1, 0, 0, 8, kSram0, in + 250, out), DevStatus::kDmaFault},
        {"mvm output outside", cmd::mvm(1, 0, 0, 8, kSram0, in, out + 240), DevStatus::kDmaFault},
        {"emul output wraps 2^64", cmd::emul(1, 0, 0, kSram0, ~uint64_t{0} - 8),
         DevStatus::kDmaFault},
        {"inside both", cmd::mvm(1, 0, 0, 8, kSram0, in, out), DevStatus::kOk},
    };
    for (const Case& c : cases) {
      const auto tile_before = tb.device().tile(0).now();
      const uint64_t moved = tb.memory().transferred();
      const auto done = tb.run({c.record});
      EXPECT_EQ(status_of(done[0]), c.want) << c.what;
      if (c.want == DevStatus::kOk) continue;
      EXPECT_EQ(tb.memory().transferred() - moved, 64u + 16u) << c.what;
      EXPECT_EQ(tb.device().tile(0).now(), tile_before) << c.what;
      EXPECT_EQ(tb.read(sd::reg::kErrCode), uint32_t(DevStatus::kDmaFault));
    }
    EXPECT_EQ(tb.read(sd::reg::kErrAddrLo), static_cast<uint32_t>(~uint64_t{0} - 8));
    EXPECT_EQ(get(tb, in, 256), std::vector<uint8_t>(256, 7));
  });
}

// Every kind of host range a command has, at the window's edge: ending on the
// window's last byte it runs, one byte further it is DMA_FAULT naming that
// range, with nothing read or written (docs/device.md, "DMA windows").
TEST(DeviceErrors, DmaEndingOnAWindowsLastByteRunsAndOneByteMoreIsRefused) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    const uint64_t base = HostBench::kBase;
    tb.setup(false);
    tb.map_window(0, base, HostBench::kCqOffset, sd::win_ctrl::kRead);
    tb.map_window(1, base + HostBench::kCqOffset, 16 * HostBench::kRingEntries,
                  sd::win_ctrl::kWrite);
    // 256-byte windows with bytes of their own on both sides, so a transfer
    // one byte long would land in memory the test can see.
    const uint64_t in = tb.data(256), out = tb.data(4096 + 256);
    tb.map_window(2, in, 256, sd::win_ctrl::kRead);
    tb.map_window(3, out, 256, sd::win_ctrl::kWrite);
    std::vector<uint8_t> src(768);
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 7 + 1);
    put(tb, in - 256, src);
    put(tb, out - 256, std::vector<uint8_t>(768, 9));
    const cmd::Widths wd{};
    // A row is 8 bytes, a wear counter 4, an MVM result 8 lanes x 4 bytes.
    const std::vector<Case> fits = {
        {"write_sram's last row", cmd::write_sram(1, 0, kSram0, 1, in + 248), DevStatus::kOk},
        {"program_nvm's 2 rows", cmd::program_nvm(2, 0, 3, 2, in + 240), DevStatus::kOk},
        {"read_sram's last row", cmd::read_sram(3, 0, kSram0, 1, out + 248), DevStatus::kOk},
        {"read_wear's 2 counters", cmd::read_wear(4, 0, 3, 2, out + 248), DevStatus::kOk},
        {"mvm's input and result", cmd::mvm(5, 0, 0, 8, kSram0, in + 248, out + 224, wd),
         DevStatus::kOk},
        {"emul's result", cmd::emul(6, 0, 3, kSram0, out + 224, wd), DevStatus::kOk},
    };
    for (const Case& c : fits) EXPECT_EQ(status_of(tb.run({c.record})[0]), c.want) << c.what;
    EXPECT_EQ(tb.read(sd::reg::kErrCount), 0u);
    const std::vector<uint8_t> last_row(src.begin() + 256 + 248, src.begin() + 512);
    EXPECT_EQ(tb.device().tile(0).peek_row(kSram0), last_row);
    EXPECT_EQ(tb.device().tile(0).peek_row(4), last_row);
    EXPECT_EQ(get(tb, out - 256, 256), std::vector<uint8_t>(256, 9)) << "wrote before the window";
    EXPECT_EQ(get(tb, out + 256, 256), std::vector<uint8_t>(256, 9)) << "wrote past the window";

    const std::vector<std::pair<Case, uint64_t>> over = {
        {{"write_sram one byte over", cmd::write_sram(7, 0, kSram0, 1, in + 249),
          DevStatus::kDmaFault},
         in + 249},
        {{"program_nvm one byte over", cmd::program_nvm(8, 0, 3, 2, in + 241),
          DevStatus::kDmaFault},
         in + 241},
        {{"read_sram one byte over", cmd::read_sram(9, 0, kSram0, 1, out + 249),
          DevStatus::kDmaFault},
         out + 249},
        {{"read_wear one byte over", cmd::read_wear(10, 0, 3, 2, out + 249), DevStatus::kDmaFault},
         out + 249},
        {{"mvm input one byte over", cmd::mvm(11, 0, 0, 8, kSram0, in + 249, out + 224, wd),
          DevStatus::kDmaFault},
         in + 249},
        {{"mvm result one byte over", cmd::mvm(12, 0, 0, 8, kSram0, in + 248, out + 225, wd),
          DevStatus::kDmaFault},
         out + 225},
        {{"emul result one byte over", cmd::emul(13, 0, 3, kSram0, out + 225, wd),
          DevStatus::kDmaFault},
         out + 225},
    };
    const std::vector<uint8_t> out_before = get(tb, out - 256, 768);
    for (const auto& [c, addr] : over) {
      const auto tile_before = tb.device().tile(0).now();
      const uint64_t moved = tb.memory().transferred();
      EXPECT_EQ(status_of(tb.run({c.record})[0]), c.want) << c.what;
      EXPECT_EQ(tb.memory().transferred() - moved, 64u + 16u) << c.what << ": touched host memory";
      EXPECT_EQ(tb.device().tile(0).now(), tile_before) << c.what << ": a tile ran";
      EXPECT_EQ(tb.read(sd::reg::kErrCode), uint32_t(DevStatus::kDmaFault)) << c.what;
      EXPECT_EQ(tb.read(sd::reg::kErrAddrLo), static_cast<uint32_t>(addr)) << c.what;
      EXPECT_EQ(tb.read(sd::reg::kErrAddrHi), static_cast<uint32_t>(addr >> 32)) << c.what;
    }
    EXPECT_EQ(tb.read(sd::reg::kErrCount), over.size());
    EXPECT_EQ(get(tb, out - 256, 768), out_before);
  });
}

TEST(DeviceErrors, HostBusErrorIsDmaError) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    tb.setup();
    tb.memory().fail_range(tb.data(512), 8);
    const auto done = tb.run({cmd::write_sram(5, 0, kSram0, 2, tb.data(504)),
                              cmd::read_sram(6, 0, kSram0, 1, tb.data(512)), cmd::nop(7)});
    EXPECT_EQ(status_of(done[0]), DevStatus::kDmaError);
    EXPECT_EQ(done[0].cycles, 0u) << "rows written although their DMA failed";
    EXPECT_EQ(status_of(done[1]), DevStatus::kDmaError);
    EXPECT_EQ(done[1].cycles, 1u);
    EXPECT_EQ(status_of(done[2]), DevStatus::kOk);
    EXPECT_EQ(tb.read(sd::reg::kErrCount), 2u);
    EXPECT_EQ(tb.read(sd::reg::kErrSeq), 6u);
  });
}

TEST(DeviceErrors, WornOutRowStopsProgramming) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    tb.setup();
    std::vector<sd::CommandRecord> recs;
    for (uint32_t i = 0; i < kSmall.nvm_endurance; ++i)
      recs.push_back(cmd::program_nvm(i, 0, 4, 1, tb.data(0)));
    for (const auto& c : tb.run(recs)) EXPECT_EQ(status_of(c), DevStatus::kOk);
    put(tb, tb.data(64), std::vector<uint8_t>(16, 3));
    const auto done = tb.run({cmd::program_nvm(99, 0, 3, 2, tb.data(64))});
    EXPECT_EQ(status_of(done[0]), DevStatus::kTileWornOut);
    EXPECT_EQ(tb.device().tile(0).peek_row(3), std::vector<uint8_t>(8, 3)) << "row before kept";
    EXPECT_EQ(tb.device().tile(0).peek_row(4), std::vector<uint8_t>(8, 0));
    EXPECT_EQ(tb.device().tile(0).peek_wear(4), kSmall.nvm_endurance);
    EXPECT_EQ(tb.device().stats().commands().back().work.nvm_programs, 1u);
  });
}

TEST(DeviceErrors, RingOutsideTheWindowsHaltsUntilReset) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    tb.setup(false);  // no window at all: the first fetch faults
    tb.write(sd::reg::kIrqMask, sd::irq::kError);
    const auto done = tb.run({cmd::nop(1)});
    EXPECT_EQ(done[0].flags, 0u) << "a completion was written";
    EXPECT_EQ(tb.read(sd::reg::kErrCode), uint32_t(DevStatus::kRingFault));
    EXPECT_EQ(tb.read(sd::reg::kErrAddrLo), static_cast<uint32_t>(HostBench::kBase));
    EXPECT_TRUE(tb.read(sd::reg::kStatus) & sd::status::kHalted);
    EXPECT_EQ(tb.read(sd::reg::kQHead), 0u);
    EXPECT_TRUE(tb.irq());
    EXPECT_EQ(tb.memory().transferred(), 0u);
    tb.write(sd::reg::kReset, sd::kResetKey);
    tb.settle();
    tb.setup();
    EXPECT_EQ(status_of(tb.run({cmd::nop(2)})[0]), DevStatus::kOk);
  });
}

TEST(DeviceErrors, CompletionRingOutsideTheWindowsIsARingFault) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    tb.setup(false);
    tb.map_window(0, HostBench::kBase, HostBench::kCqOffset, sd::win_ctrl::kRead);
    tb.run({cmd::write_sram(1, 0, kSram0, 1, HostBench::kBase)});
    EXPECT_EQ(tb.read(sd::reg::kErrCode), uint32_t(DevStatus::kRingFault));
    EXPECT_EQ(tb.read(sd::reg::kErrAddrLo),
              static_cast<uint32_t>(HostBench::kBase + HostBench::kCqOffset));
    EXPECT_EQ(tb.read(sd::reg::kCqCount), 0u);
    EXPECT_TRUE(tb.read(sd::reg::kStatus) & sd::status::kHalted);
  });
}

}  // namespace
}  // namespace hycim::device::testing
