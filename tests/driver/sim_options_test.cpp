// sim:// options beyond the fixture's: RTL tiles (when this build verilated
// them), functional devices as values (several configurations at once, closed
// and reopened from their images), and the one-SystemC-device-per-process rule.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>

#include "sim/device/tile_factory.hpp"
#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

TEST(DriverSim, RtlTilesGiveTheModelsResults) {
  const std::string uri = "sim://?tile=rtl&config=small&tiles=1";
  if (!device::rtl_built()) {
    try {
      Device::open(uri);
      FAIL() << "RTL tiles opened in a build without RTL";
    } catch (const DriverError& e) {
      EXPECT_EQ(e.status, Status::kInvalid);
      EXPECT_NE(std::string(e.what()).find("RTL"), std::string::npos) << e.what();
    }
    return;
  }
  std::unique_ptr<Device> dev;
  try {
    dev = Device::open(uri);
  } catch (const DriverError& e) {
    if (e.status == Status::kBusy) GTEST_SKIP() << "this process already has a sim:// device";
    throw;
  }
  EXPECT_NE(dev->capabilities().flags & sd::cap_flags::kRtlTiles, 0u);
  const uint32_t lanes = 8, k = 8, sram0 = dev->capabilities().nvm_rows;
  std::vector<int8_t> w(k * lanes), x(k);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(i * 37 - 100);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(50 - i * 13);
  auto wb = dev->alloc(w.size()), xb = dev->alloc(k), yb = dev->alloc(lanes * 4);
  std::memcpy(wb->data(), w.data(), w.size());
  std::memcpy(xb->data(), x.data(), x.size());
  ASSERT_EQ(wb->map(HYCIM_ACCESS_READ), Status::kOk);
  ASSERT_EQ(xb->map(HYCIM_ACCESS_READ), Status::kOk);
  ASSERT_EQ(yb->map(HYCIM_ACCESS_WRITE), Status::kOk);
  auto q = dev->create_queue(4);
  const CommandRecord cmds[] = {cmd::program_nvm(1, 0, 0, k, wb->iova()),
                                cmd::mvm(2, 0, 0, k, sram0, xb->iova(), yb->iova())};
  ASSERT_EQ(q->submit(cmds), Status::kOk);
  CompletionRecord out[2];
  size_t n = 0;
  ASSERT_EQ(q->wait(out, 2, 20000ms, &n), Status::kOk);
  EXPECT_EQ(out[1].status, 0);
  std::vector<int32_t> y(lanes);
  std::memcpy(y.data(), yb->data(), lanes * 4);
  EXPECT_EQ(y, mvm_reference(w, x, lanes));
}

TEST(DriverSim, SecondSystemcConfigurationInOneProcessIsBusy) {
  auto first = Device::open(sim_uri("systemc"));
  try {
    Device::open("sim://?engine=systemc&config=default&tiles=1");
    FAIL() << "a second SystemC sim:// configuration opened";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kBusy);
    EXPECT_NE(std::string(e.what()).find("engine=functional"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unix://"), std::string::npos) << e.what();
  }
  auto second = Device::open(sim_uri("systemc"));  // same options: a second context
  DeviceInfo info;
  ASSERT_EQ(second->info(&info), Status::kOk);
  EXPECT_EQ(info.contexts, 2u);
}

// Programs `rows` NVM rows of tile 0 with a pattern seeded by `seed` (or, with
// program = false, only reads them) and returns what READ_SRAM reads back.
std::vector<uint8_t> program_and_read(Device& dev, uint32_t rows, uint8_t seed, bool program) {
  const uint32_t lanes = dev.capabilities().lanes;
  auto src = dev.alloc(size_t{rows} * lanes), dst = dev.alloc(size_t{rows} * lanes);
  for (size_t i = 0; i < src->size(); ++i) src->bytes()[i] = static_cast<uint8_t>(i * seed + 3);
  EXPECT_EQ(src->map(HYCIM_ACCESS_READ), Status::kOk);
  EXPECT_EQ(dst->map(HYCIM_ACCESS_WRITE), Status::kOk);
  auto q = dev.create_queue(4);
  std::vector<CommandRecord> cmds;
  if (program) cmds.push_back(cmd::program_nvm(1, 0, 0, rows, src->iova()));
  cmds.push_back(cmd::read_sram(2, 0, 0, rows, dst->iova()));
  EXPECT_EQ(q->submit(cmds), Status::kOk);
  std::vector<CompletionRecord> out(cmds.size());
  size_t n = 0;
  EXPECT_EQ(q->wait(out, out.size(), 20000ms, &n), Status::kOk);
  for (const auto& c : out) EXPECT_EQ(c.status, 0u);
  return {dst->bytes().begin(), dst->bytes().end()};
}

TEST(DriverSim, FunctionalDevicesAreValues) {
  TempDir dir;
  const std::string a = "sim://?config=small&tiles=2&nvm=" + dir.path + "/a.nvm";
  const std::string b =
      "sim://?engine=functional&config=default&tiles=1&nvm=" + dir.path + "/b.nvm";
  std::vector<uint8_t> wrote_a, wrote_b;
  std::string first_id;
  {
    // Two configurations open at once, each its own device and image.
    auto da = Device::open(a), db = Device::open(b);
    EXPECT_EQ(da->capabilities().tiles, 2u);
    EXPECT_EQ(db->capabilities().tiles, 1u);
    EXPECT_NE(da->capabilities().lanes, db->capabilities().lanes);
    wrote_a = program_and_read(*da, 4, 7, true);
    wrote_b = program_and_read(*db, 4, 11, true);
    EXPECT_NE(std::vector<uint8_t>(wrote_a.begin(), wrote_a.begin() + 8),
              std::vector<uint8_t>(wrote_b.begin(), wrote_b.begin() + 8));
    // Same options: a second context on the same device.
    auto da2 = Device::open(a);
    DeviceInfo info, info_a, info_b;
    ASSERT_EQ(da2->info(&info), Status::kOk);
    EXPECT_EQ(info.contexts, 2u);
    EXPECT_EQ(info.commands, 2u);
    ASSERT_EQ(da->info(&info_a), Status::kOk);
    ASSERT_EQ(db->info(&info_b), Status::kOk);
    EXPECT_EQ(info.id, info_a.id);  // one device
    EXPECT_NE(info_a.id, info_b.id);
    first_id = info_a.id;
  }
  // All closed: the devices are gone and their images closed, so the same
  // options build them again, from the images.
  auto da = Device::open(a);
  DeviceInfo info;
  ASSERT_EQ(da->info(&info), Status::kOk);
  EXPECT_EQ(info.contexts, 1u);
  EXPECT_EQ(info.commands, 0u);
  EXPECT_EQ(info.nvm_rows_programmed, 4u);
  EXPECT_NE(info.id, first_id) << "a device built again is another instance";
  EXPECT_EQ(program_and_read(*da, 4, 0, false), wrote_a);
  da.reset();
  auto db = Device::open(b);
  EXPECT_EQ(program_and_read(*db, 4, 0, false), wrote_b);
}

TEST(DriverSim, UnknownEngineIsNamed) {
  try {
    Device::open("sim://?engine=fast");
    FAIL() << "engine=fast opened";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kInvalid);
    EXPECT_NE(std::string(e.what()).find("'fast' is not functional or systemc"), std::string::npos)
        << e.what();
  }
}

// The VCD that fst2vcd (Debian's gtkwave) makes of an FST file; "" if it fails.
std::string fst_as_vcd(const std::string& fst) {
  std::string out;
  FILE* p = ::popen(("fst2vcd '" + fst + "' 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  return ::pclose(p) == 0 ? out : std::string();
}

// trace= on an RTL device: every tile writes its waveform, finalized when the
// last context closes, readable by another tool, holding the tile's clock and
// command ports over the whole run.
TEST(DriverSim, TraceOptionWritesFinalizedWaveformsPerTile) {
  TempDir dir;
  const std::string fst = dir.path + "/tile.fst";
  const std::string uri = "sim://?tile=rtl&config=small&tiles=2&trace=" + fst;
  if (!device::rtl_built()) {
    EXPECT_THROW(Device::open(uri), DriverError);
    return;
  }
  uint64_t cycles = 0;
  {
    auto dev = Device::open(uri);
    program_and_read(*dev, 3, 5, true);
    Usage u{};
    ASSERT_EQ(dev->usage(&u), Status::kOk);
    cycles = u.tile_cycles;  // all on tile 0
  }
  ASSERT_GT(cycles, 0u);
  ASSERT_TRUE(std::filesystem::exists(fst + ".1")) << "tile 1 wrote no waveform";
  const std::string vcd = fst_as_vcd(fst);
  ASSERT_FALSE(vcd.empty()) << "fst2vcd could not read " << fst << " (is gtkwave installed?)";
  for (const char* port : {" clk ", " cmd_valid ", " cmd_ready ", " cmd_op ", " rsp_valid "})
    EXPECT_NE(vcd.find(port), std::string::npos) << "no " << port << " in the waveform";
  // Two time steps per clock cycle: the last one is at least the commands' cycles.
  uint64_t last = 0;
  const std::regex stamp(R"(\n#(\d+))");
  for (std::sregex_iterator it(vcd.begin(), vcd.end(), stamp), end; it != end; ++it)
    last = std::max<uint64_t>(last, std::stoull((*it)[1].str()));
  EXPECT_GE(last, 2 * cycles);
}

TEST(DriverSim, TraceOnModelTilesIsRefused) {
  try {
    Device::open("sim://?config=small&trace=/tmp/never.fst");
    FAIL() << "trace= opened on model tiles";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kInvalid);
    EXPECT_NE(std::string(e.what()).find("only RTL tiles"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hycim::driver::test
