// Every call of the C++ API, on both backends (backend_fixture.hpp): open,
// capabilities, info, buffers, queues, single and batched submits, poll,
// wait with timeouts, and the command results against a CPU reference.
#include <cstring>
#include <random>
#include <thread>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

TEST_P(DriverApi, OpenReadsCapabilities) {
  const Capabilities& c = dev_->capabilities();
  EXPECT_EQ(c.id, sd::kId);
  EXPECT_EQ(sd::fields::Version::unpack(c.version),
            (sd::fields::Version{.minor = sd::kVersionMinor, .major = sd::kVersionMajor}));
  EXPECT_EQ(c.tiles, 2u);
  EXPECT_EQ(c.lanes, 8u);
  EXPECT_EQ(c.nvm_rows, 32u);
  EXPECT_EQ(c.sram_rows, 16u);
  EXPECT_EQ(c.wbits, 8u);
  EXPECT_EQ(c.dma_windows, sd::kDmaWindows - 1);  // one window holds the rings
  EXPECT_EQ(c.flags & sd::cap_flags::kPersistentNvm, sd::cap_flags::kPersistentNvm);
  EXPECT_EQ(c.max_queue_entries, sd::kMaxQueueEntries);
}

TEST(DriverFormat, RefusesADeviceOfAnotherCommandFormat) {
  Capabilities c{};
  c.version = sd::fields::Version{.minor = 3, .major = 1}.pack();  // 1.x: 8-bit tile field
  try {
    check_command_format(c, "unix:///tmp/old.sock");
    FAIL() << "a 1.3 device was accepted";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kProtocol);
    EXPECT_EQ(std::string(e.what()),
              "device unix:///tmp/old.sock speaks command format 1.3; this driver builds format " +
                  std::to_string(sd::kVersionMajor) + ".x records (spec/hycim.json VERSION_MAJOR)");
  }
  c.version = sd::fields::Version{.minor = 7, .major = sd::kVersionMajor}.pack();
  EXPECT_NO_THROW(check_command_format(c, "sim://"));  // minor versions only add
}

TEST_P(DriverApi, InfoCountsContexts) {
  DeviceInfo info;
  ASSERT_EQ(dev_->info(&info), Status::kOk);
  EXPECT_EQ(info.backend, std::string(GetParam()) == "unix" ? "unix" : "sim");
  EXPECT_EQ(info.tile_config, "small");
  EXPECT_EQ(info.tile_kind, "model");
  EXPECT_EQ(info.contexts, 1u);
  auto second = open();
  ASSERT_EQ(dev_->info(&info), Status::kOk);
  EXPECT_EQ(info.contexts, 2u);
  second.reset();
  // hycimd frees a context when it sees the connection close, which may be
  // after it answered a request that arrived on another connection.
  for (int i = 0; i < 500 && info.contexts != 1; ++i) {
    std::this_thread::sleep_for(10ms);
    ASSERT_EQ(dev_->info(&info), Status::kOk);
  }
  EXPECT_EQ(info.contexts, 1u);
}

TEST_P(DriverApi, NopRoundTrip) {
  auto q = dev_->create_queue(8);
  ASSERT_EQ(q->submit(cmd::nop(42)), Status::kOk);
  EXPECT_EQ(q->outstanding(), 1u);
  CompletionRecord c{};
  size_t n = 0;
  ASSERT_EQ(q->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(c.seq, 42u);
  EXPECT_EQ(c.status, 0);
  EXPECT_EQ(c.opcode, static_cast<uint8_t>(sd::DevOpcode::kNop));
  EXPECT_EQ(c.flags, sd::completion_flags::kDone);
  EXPECT_EQ(c.cycles, 0u);
  EXPECT_EQ(q->outstanding(), 0u);
}

TEST_P(DriverApi, WaitTimesOutWhenNothingCompletes) {
  auto q = dev_->create_queue(4);
  CompletionRecord c{};
  size_t n = 7;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(q->wait({&c, 1}, 1, 100ms, &n), Status::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(q->poll({&c, 1}, &n), Status::kOk);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(q->wait({&c, 1}, 2, 0ms, &n), Status::kInvalid);  // min > room
}

TEST_P(DriverApi, FullQueueAcceptsWhatFits) {
  auto q = dev_->create_queue(4);
  std::vector<CommandRecord> six;
  for (uint32_t i = 0; i < 6; ++i) six.push_back(cmd::nop(i));
  size_t accepted = 0;
  EXPECT_EQ(q->submit(six, &accepted), Status::kNoSpace);
  EXPECT_EQ(accepted, 4u);
  std::vector<CompletionRecord> out(4);
  size_t n = 0;
  ASSERT_EQ(q->wait(out, 4, 5000ms, &n), Status::kOk);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(out[i].seq, i);
  EXPECT_EQ(q->submit(std::span(six).subspan(4), &accepted), Status::kOk);
  ASSERT_EQ(q->wait(out, 2, 5000ms, &n), Status::kOk);
  EXPECT_EQ(out[0].seq, 4u);
  EXPECT_EQ(out[1].seq, 5u);
}

TEST_P(DriverApi, MvmMatchesReference) {
  const uint32_t lanes = dev_->capabilities().lanes, k = 12;
  std::mt19937 rng(1);
  std::vector<int8_t> w(k * lanes), x(k);
  for (auto& v : w) v = static_cast<int8_t>(rng());
  for (auto& v : x) v = static_cast<int8_t>(rng());
  auto weights = mapped(*dev_, w.size(), HYCIM_ACCESS_READ);
  auto input = mapped(*dev_, x.size(), HYCIM_ACCESS_READ);
  auto result = mapped(*dev_, lanes * 4, HYCIM_ACCESS_WRITE);
  std::memcpy(weights->data(), w.data(), w.size());
  std::memcpy(input->data(), x.data(), x.size());
  auto q = dev_->create_queue(16);
  const uint32_t sram0 = dev_->capabilities().nvm_rows;
  auto done = run(*q, {cmd::program_nvm(1, 1, 4, k, weights->iova()),
                       cmd::mvm(2, 1, 4, k, sram0, input->iova(), result->iova())});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[1].status, 0);
  EXPECT_GT(done[1].cycles, 0u);
  std::vector<int32_t> got(lanes);
  std::memcpy(got.data(), result->data(), lanes * 4);
  EXPECT_EQ(got, mvm_reference(w, x, lanes));
}

TEST_P(DriverApi, BatchKeepsOrderAndData) {
  const uint32_t lanes = dev_->capabilities().lanes, sram0 = dev_->capabilities().nvm_rows;
  auto src = mapped(*dev_, 4 * lanes);
  auto dst = mapped(*dev_, 4 * lanes * 100);
  for (size_t i = 0; i < src->size(); ++i) src->bytes()[i] = static_cast<uint8_t>(i * 7 + 3);
  std::vector<CommandRecord> cmds{cmd::write_sram(0, 0, sram0, 4, src->iova())};
  for (uint32_t i = 1; i < 100; ++i)
    cmds.push_back(i % 3 ? cmd::read_sram(i, 0, sram0, 4, dst->iova() + 4 * lanes * i)
                         : cmd::nop(i));
  auto q = dev_->create_queue(32);  // smaller than the batch: submitted in pieces
  auto done = run(*q, cmds);
  ASSERT_EQ(done.size(), cmds.size());
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(done[i].seq, i);
    EXPECT_EQ(done[i].status, 0);
    if (i % 3) {
      EXPECT_EQ(0, std::memcmp(dst->bytes().data() + 4 * lanes * i, src->data(), 4 * lanes));
    }
  }
}

TEST_P(DriverApi, SeveralQueuesRunIndependently) {
  auto a = dev_->create_queue(8), b = dev_->create_queue(8);
  ASSERT_EQ(a->submit(cmd::nop(1)), Status::kOk);
  ASSERT_EQ(b->submit(cmd::nop(2)), Status::kOk);
  CompletionRecord c{};
  size_t n = 0;
  ASSERT_EQ(b->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
  EXPECT_EQ(c.seq, 2u);
  ASSERT_EQ(a->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
  EXPECT_EQ(c.seq, 1u);
}

TEST_P(DriverApi, RejectsBadArguments) {
  EXPECT_THROW(dev_->create_queue(3), DriverError);
  EXPECT_THROW(dev_->create_queue(sd::kMaxQueueEntries * 2), DriverError);
  EXPECT_THROW(dev_->alloc(0), DriverError);
  auto b = dev_->alloc(64);
  EXPECT_EQ(b->map(0), Status::kInvalid);
  EXPECT_EQ(b->map(8), Status::kInvalid);
  EXPECT_EQ(b->unmap(), Status::kNotFound);
  try {
    Device::open("sim://?tiles=2&bogus=1");
    FAIL() << "unknown key accepted";
  } catch (const DriverError& e) {
    EXPECT_EQ(e.status, Status::kInvalid);
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Device::open("pcie://0"), DriverError);
  EXPECT_THROW(Device::open("no-scheme"), DriverError);
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverApi, ::testing::Values("sim", "systemc", "unix"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace hycim::driver::test
