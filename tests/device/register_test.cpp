// Every register: the register file on its own (no SystemC), then through the
// device's TLM target socket (bus errors, interrupt line, reset).
#include <gtest/gtest.h>

#include "sim/device/registers.hpp"
#include "tests/device/device_test_support.hpp"

namespace hycim::device::testing {
namespace {

using Bus = RegisterFile::Bus;

RegisterFile make_regs() {
  return RegisterFile({3, spec::kDefaultTile, sd::cap_flags::kRtlTiles});
}

uint32_t rd(const RegisterFile& r, uint32_t off) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(r.read(off, v), Bus::kOk) << off;
  return v;
}

void wr(RegisterFile& r, uint32_t off, uint32_t v) {
  RegisterFile::Effects fx;
  EXPECT_EQ(r.write(off, v, fx), Bus::kOk) << off;
}

TEST(DeviceRegisterFile, IdentityAndCapabilities) {
  const RegisterFile r = make_regs();
  const auto& t = spec::kDefaultTile;
  EXPECT_EQ(rd(r, sd::reg::kId), sd::kId);
  EXPECT_EQ(rd(r, sd::reg::kVersion),
            sd::kVersionMajor << 16 | sd::kVersionMinor);  // the documented layout
  EXPECT_EQ(rd(r, sd::reg::kCapTiles), 3u);
  EXPECT_EQ(rd(r, sd::reg::kCapNvmRows), t.nvm_rows);
  EXPECT_EQ(rd(r, sd::reg::kCapSramRows), t.sram_rows);
  EXPECT_EQ(rd(r, sd::reg::kCapLanes), t.lanes);
  EXPECT_EQ(rd(r, sd::reg::kCapWidths), t.wbits | t.xbits << 8 | t.acc_bits << 16);
  EXPECT_EQ(rd(r, sd::reg::kCapRowsPerCycle), t.rows_per_cycle);
  EXPECT_EQ(rd(r, sd::reg::kCapDmaWindows), sd::kDmaWindows);
  EXPECT_EQ(rd(r, sd::reg::kCapFlags), sd::cap_flags::kRtlTiles);
}

// Every register of the generated map: ro refuses writes and keeps its value,
// wo reads 0, rw reads back; offsets between registers are bus errors.
// The generated bit-field helpers (spec/hycim.json "fields") against the
// layout docs/device.md gives, written out by hand here.
TEST(DeviceRegisterFields, PackAndUnpackFollowTheDocumentedLayout) {
  const sd::fields::CapWidths w{.wbits = 8, .xbits = 4, .acc_bits = 24};
  EXPECT_EQ(w.pack(), 8u | 4u << 8 | 24u << 16);
  EXPECT_EQ(sd::fields::CapWidths::unpack(0xff18'0408u), w);  // bits 31:24 belong to no field
  EXPECT_EQ((sd::fields::Version{.minor = 0x1'0002, .major = 3}.pack()),
            3u << 16 | 2u);  // cut to 16 bits
  const auto v = sd::fields::Version::unpack(0x0007'0009u);
  EXPECT_EQ(v.major, 7u);
  EXPECT_EQ(v.minor, 9u);
}

TEST(DeviceRegisterFile, AccessKindsOfEveryRegister) {
  for (const auto& info : sd::kRegisters) {
    RegisterFile r = make_regs();
    RegisterFile::Effects fx;
    uint32_t v = 0;
    ASSERT_EQ(r.read(info.offset, v), Bus::kOk) << info.name;
    const uint32_t before = v;
    if (info.access == sd::Access::kRo) {
      EXPECT_EQ(r.write(info.offset, 0x40, fx), Bus::kCommandError) << info.name;
      EXPECT_EQ(rd(r, info.offset), before) << info.name;
    } else if (info.access == sd::Access::kWo) {
      EXPECT_EQ(before, 0u) << info.name;
    } else if (info.offset != sd::reg::kQTail) {  // tail needs a ring: below
      EXPECT_EQ(r.write(info.offset, 0x40, fx), Bus::kOk) << info.name;
      const uint32_t want = info.offset == sd::reg::kWinSel || info.offset == sd::reg::kWinCtrl ||
                                    info.offset == sd::reg::kIrqMask
                                ? before  // 0x40 is out of range for these: refused/masked
                                : 0x40;
      EXPECT_EQ(rd(r, info.offset), want) << info.name;
    }
    EXPECT_EQ(r.read(info.offset + 2, v), Bus::kAddressError) << info.name;
  }
  uint32_t v = 0;
  EXPECT_EQ(make_regs().read(0xffc, v), Bus::kAddressError);
}

TEST(DeviceRegisterFile, QueueRegistersValidateTheirValues) {
  RegisterFile r = make_regs();
  RegisterFile::Effects fx;
  wr(r, sd::reg::kQSize, 48);  // not a power of two
  EXPECT_EQ(rd(r, sd::reg::kQSize), 0u);
  EXPECT_EQ(rd(r, sd::reg::kErrCode), uint32_t(DevStatus::kBadRegister));
  EXPECT_EQ(rd(r, sd::reg::kErrAddrLo), sd::reg::kQSize);
  wr(r, sd::reg::kQSize, sd::kMaxQueueEntries * 2);
  EXPECT_EQ(rd(r, sd::reg::kQSize), 0u);
  wr(r, sd::reg::kQSize, 16);
  EXPECT_EQ(rd(r, sd::reg::kQSize), 16u);
  wr(r, sd::reg::kQBaseLo, 0x1010);  // not 64-byte aligned
  EXPECT_EQ(rd(r, sd::reg::kQBaseLo), 0u);
  wr(r, sd::reg::kCqBaseLo, 0x1008);  // not 16-byte aligned
  EXPECT_EQ(rd(r, sd::reg::kCqBaseLo), 0u);
  wr(r, sd::reg::kQTail, 16);  // beyond the ring
  EXPECT_EQ(rd(r, sd::reg::kQTail), 0u);
  EXPECT_EQ(r.write(sd::reg::kQDoorbell, 5, fx), Bus::kOk);
  EXPECT_TRUE(fx.kick);
  EXPECT_EQ(rd(r, sd::reg::kQTail), 5u);
  EXPECT_TRUE(rd(r, sd::reg::kStatus) & sd::status::kBusy);  // entries to fetch
  wr(r, sd::reg::kQSize, 32);                                // refused while busy
  EXPECT_EQ(rd(r, sd::reg::kQSize), 16u);
  EXPECT_EQ(rd(r, sd::reg::kErrCount), 6u);
  wr(r, sd::reg::kErrClear, 1);
  EXPECT_EQ(rd(r, sd::reg::kErrCount), 0u);
  EXPECT_EQ(rd(r, sd::reg::kErrCode), 0u);
}

TEST(DeviceRegisterFile, WindowsInterruptsAndReset) {
  RegisterFile r = make_regs();
  RegisterFile::Effects fx;
  wr(r, sd::reg::kWinSel, 7);
  wr(r, sd::reg::kWinBaseHi, 1);
  wr(r, sd::reg::kWinSizeLo, 4096);
  wr(r, sd::reg::kWinCtrl, sd::win_ctrl::kRead);
  wr(r, sd::reg::kWinCtrl, 4);  // unknown bit: refused
  EXPECT_EQ(r.windows()[7].base, uint64_t{1} << 32);
  EXPECT_EQ(r.windows()[7].ctrl, sd::win_ctrl::kRead);
  wr(r, sd::reg::kWinSel, sd::kDmaWindows);
  EXPECT_EQ(rd(r, sd::reg::kWinSel), 7u);
  r.raise(sd::irq::kCompletion);
  EXPECT_FALSE(r.irq_line());
  wr(r, sd::reg::kIrqMask, 0xffffffff);
  EXPECT_EQ(rd(r, sd::reg::kIrqMask), sd::irq::kAll);
  EXPECT_TRUE(r.irq_line());  // ERROR (from the refused writes) and COMPLETION
  wr(r, sd::reg::kIrqAck, sd::irq::kCompletion | sd::irq::kError);
  EXPECT_FALSE(r.irq_line());
  wr(r, sd::reg::kReset, 1234);  // wrong key
  EXPECT_EQ(rd(r, sd::reg::kErrCode), uint32_t(DevStatus::kBadRegister));
  EXPECT_EQ(r.write(sd::reg::kReset, sd::kResetKey, fx), Bus::kOk);
  EXPECT_TRUE(fx.reset);
  EXPECT_TRUE(rd(r, sd::reg::kStatus) & sd::status::kResetPending);
  r.reset();
  EXPECT_EQ(r.windows()[7].ctrl, 0u);
  EXPECT_EQ(rd(r, sd::reg::kStatus), 0u);
  EXPECT_EQ(rd(r, sd::reg::kCapTiles), 3u);
}

TEST(DeviceRegisters, BusErrorsThroughTheSocket) {
  in_child([] {
    HostBench tb("tb", small_config());
    uint32_t v = 0;
    EXPECT_EQ(tb.access(tlm::TLM_READ_COMMAND, sd::reg::kId, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, sd::kId);
    EXPECT_EQ(tb.access(tlm::TLM_READ_COMMAND, sd::reg::kId, v, 8), tlm::TLM_BURST_ERROR_RESPONSE);
    EXPECT_EQ(tb.access(tlm::TLM_READ_COMMAND, 2, v, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(tb.access(tlm::TLM_READ_COMMAND, 0x800, v), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    v = 5;
    EXPECT_EQ(tb.access(tlm::TLM_WRITE_COMMAND, sd::reg::kCapTiles, v),
              tlm::TLM_COMMAND_ERROR_RESPONSE);
    EXPECT_EQ(tb.read(sd::reg::kCapTiles), 2u);
    EXPECT_EQ(tb.read(sd::reg::kCapFlags), 0u);  // model tiles, no image
  });
}

TEST(DeviceRegisters, InterruptLineFollowsStatusAndMask) {
  in_child([] {
    HostBench tb("tb", small_config());
    tb.setup();
    tb.run({cmd::nop(1)});
    EXPECT_FALSE(tb.irq()) << "masked interrupt raised the line";
    tb.write(sd::reg::kIrqMask, sd::irq::kError);
    tb.settle();
    EXPECT_FALSE(tb.irq());
    tb.write(sd::reg::kIrqMask, sd::irq::kCompletion);
    tb.settle();
    EXPECT_TRUE(tb.irq());
    tb.write(sd::reg::kIrqAck, sd::irq::kCompletion);
    tb.settle();
    EXPECT_FALSE(tb.irq());
  });
}

TEST(DeviceRegisters, ResetKeepsNvmAndZeroesSram) {
  in_child([] {
    HostBench tb("tb", small_config(1));
    tb.setup();
    put(tb, tb.data(0), std::vector<uint8_t>(8, 0x5a));
    tb.run({cmd::program_nvm(1, 0, 3, 1, tb.data(0)), cmd::write_sram(2, 0, 40, 1, tb.data(0))});
    tb.write(sd::reg::kIrqMask, sd::irq::kAll);
    tb.write(sd::reg::kReset, sd::kResetKey);
    tb.settle();
    EXPECT_EQ(tb.read(sd::reg::kQSize), 0u);
    EXPECT_EQ(tb.read(sd::reg::kIrqMask), 0u);
    EXPECT_EQ(tb.read(sd::reg::kCqCount), 0u);
    EXPECT_EQ(tb.read(sd::reg::kStatus), 0u);
    EXPECT_FALSE(tb.irq());
    EXPECT_EQ(tb.device().tile(0).peek_row(3), std::vector<uint8_t>(8, 0x5a));
    EXPECT_EQ(tb.device().tile(0).peek_row(40), std::vector<uint8_t>(8, 0));
    EXPECT_EQ(tb.device().tile(0).peek_wear(3), 1u);
    tb.setup();  // usable again
    EXPECT_EQ(status_of(tb.run({cmd::nop(3)})[0]), DevStatus::kOk);
  });
}

}  // namespace
}  // namespace hycim::device::testing
