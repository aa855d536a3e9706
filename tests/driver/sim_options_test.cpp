// sim:// options beyond the fixture's: RTL tiles (when this build verilated
// them), and the one-device-per-process rule.
#include <gtest/gtest.h>

#include <cstring>

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

TEST(DriverSim, SecondConfigurationInOneProcessIsBusy) {
  auto first = Device::open(sim_uri());
  try {
    Device::open("sim://?config=default&tiles=1");
    FAIL() << "a second sim:// configuration opened";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kBusy);
    EXPECT_NE(std::string(e.what()).find("unix://"), std::string::npos) << e.what();
  }
  auto second = Device::open(sim_uri());  // same options: a second context
  DeviceInfo info;
  ASSERT_EQ(second->info(&info), Status::kOk);
  EXPECT_EQ(info.contexts, 2u);
}

}  // namespace
}  // namespace hycim::driver::test
