// Pipelined runs (Session::run_many): requests in flight at once share device
// batches, so one request's layer overlaps another's on the tiles. Outputs
// are exactly those of one run per request; the device does the same work
// in less simulated time; an engine error reaches every request, no hang.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "runtime/cim/gathering_engine.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::runtime {
namespace {

const std::string kDir = std::string(HYCIM_SOURCE_DIR) + "/models/digits/";

std::vector<TensorMap> single_images(const Tensor& all, size_t n) {
  std::vector<TensorMap> r;
  const auto& v = all.values<float>();
  for (size_t i = 0; i < n; ++i)
    r.push_back({{"x", Tensor(Shape{1, 64},
                              std::vector<float>(v.begin() + 64 * i, v.begin() + 64 * (i + 1)))}});
  return r;
}

TEST(Pipeline, SameOutputsAsOneRunPerRequestInLessSimulatedTime) {
  const Graph g = load_model(kDir + "model.onnx");
  const auto requests = single_images(read_npy(kDir + "test_x.npy"), 24);
  Session s(g, SessionOptions{});  // the in-process device, through the driver
  s.set_ranges(calibrate(g, {{{"x", read_npy(kDir + "calib_x.npy")}}}));
  s.load();
  std::vector<TensorMap> one_by_one;
  double sequential_us = 0;
  uint64_t sequential_tile_cycles = 0;
  for (const TensorMap& r : requests) {
    one_by_one.push_back(s.run(r));
    sequential_us += s.last_stats().sim_us;
    sequential_tile_cycles += s.last_stats().tile_cycles;
  }
  const auto piped = s.run_many(requests, 4);
  ASSERT_EQ(piped.size(), requests.size());
  for (size_t i = 0; i < piped.size(); ++i)
    EXPECT_EQ(piped[i].at("logits"), one_by_one[i].at("logits")) << "request " << i;
  const PipelineStats& p = s.last_pipeline_stats();
  EXPECT_EQ(p.requests, 24u);
  EXPECT_EQ(p.depth, 4u);
  EXPECT_EQ(p.mvms, 24u * 7);                        // 7 weight blocks per image
  EXPECT_EQ(p.device_batches, 24u / 4 * 3);          // 4 requests' layer k in one batch
  EXPECT_EQ(p.tile_cycles, sequential_tile_cycles);  // the same work...
  EXPECT_LT(p.sim_us, 0.8 * sequential_us);          // ...overlapped
}

// Devices of one process keep their own weights: the functional and the
// SystemC device (and a functional device of another shape) side by side,
// each with its own residency record, give the same logits for the same
// images. (They once shared one record, as every sim:// device had one id.)
TEST(Pipeline, InProcessDevicesSideBySideEachKeepTheirWeights) {
  const Graph g = load_model(kDir + "model.onnx");
  const auto requests = single_images(read_npy(kDir + "test_x.npy"), 3);
  const Ranges ranges = calibrate(g, {{{"x", read_npy(kDir + "calib_x.npy")}}});
  std::vector<std::unique_ptr<Session>> sessions;
  for (const char* uri : {"sim://", "sim://?engine=systemc", "sim://?tiles=8"}) {
    SessionOptions o;
    o.device = uri;
    sessions.push_back(std::make_unique<Session>(g, o));
    sessions.back()->set_ranges(ranges);
    sessions.back()->load();
  }
  for (const TensorMap& r : requests) {
    const Tensor want = sessions[0]->run(r).at("logits");
    for (size_t i = 1; i < sessions.size(); ++i)
      EXPECT_EQ(sessions[i]->run(r).at("logits"), want) << "device " << i;
  }
}

// An engine whose MVMs fail: every request of a pipelined run sees the error.
class FailingEngine final : public cim::MvmEngine {
 public:
  std::unique_ptr<cim::DriverEngine> owner = cim::test::device_engine(4, "default");
  cim::DriverEngine& inner = *owner;
  cim::Geometry geometry() const override { return inner.geometry(); }
  void program(uint32_t t, uint32_t r, std::span<const uint8_t> rows) override {
    inner.program(t, r, rows);
  }
  void read(uint32_t t, uint32_t r, std::span<uint8_t> rows) override { inner.read(t, r, rows); }
  void read_wear(uint32_t t, uint32_t r, std::span<uint32_t> w) override {
    inner.read_wear(t, r, w);
  }
  void mvm(std::span<const cim::MvmJob>) override {
    throw cim::EngineError("device hycim-test: tile 0: MVM answered DMA_FAULT");
  }
  uint64_t cycles(uint32_t t) const override { return inner.cycles(t); }
  double energy_pj() const override { return 0; }
  double device_time_ns() const override { return 0; }
  std::string nvm_store() const override { return {}; }
  std::string device_id() const override { return inner.device_id(); }
  std::string describe() const override { return "failing"; }
};

TEST(Pipeline, AnEngineErrorEndsTheRunWithItsMessage) {
  const Graph g = load_model(kDir + "model.onnx");
  Session s(g, make_cim_backend(std::make_unique<FailingEngine>()));
  try {
    s.run_many(single_images(read_npy(kDir + "test_x.npy"), 9), 3);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("MVM answered DMA_FAULT"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("node 0 'fc1' (Gemm)"));
  }
}

TEST(Pipeline, BadRequestIsRefusedBeforeAnyWork) {
  const Graph g = load_model(kDir + "model.onnx");
  Session s(g, SessionOptions{});
  auto requests = single_images(read_npy(kDir + "test_x.npy"), 3);
  requests[2]["x"] = Tensor(Shape{1, 63}, std::vector<float>(63));
  try {
    s.run_many(requests, 2);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("input 'x': expected float [?,64]"));
  }
}

// The gatherer on its own: three threads' MVMs in one engine call.
TEST(Pipeline, GatheringEngineRunsEveryParticipantsJobsInOneBatch) {
  auto owner = cim::test::device_engine(4, "default");
  cim::DriverEngine& tiles = *owner;
  std::vector<uint8_t> w(32 * 32, 1);
  tiles.program(0, 0, w);
  cim::GatheringEngine gather(tiles);
  for (int i = 0; i < 3; ++i) gather.join();
  std::vector<std::array<int32_t, 32>> acc(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      std::vector<uint8_t> x(32, static_cast<uint8_t>(i + 1));
      cim::MvmJob job{0, 0, x, acc[i]};
      gather.mvm({&job, 1});
      gather.leave();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(gather.batches(), 1u);
  EXPECT_EQ(gather.jobs(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(acc[i][0], 32 * (i + 1));
}

}  // namespace
}  // namespace hycim::runtime
