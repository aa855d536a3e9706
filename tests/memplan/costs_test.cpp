// Zero-value compression cost model and offload accounting.
#include <gtest/gtest.h>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/link_probe.hpp"
#include "runtime/memplan/networks.hpp"
#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

TEST(MemplanZvc, CompressedSizeIsNonzerosPlusMaskBits) {
  EXPECT_EQ(zvc_bytes(4000, 0.0, 4), 4000u + 125u);
  EXPECT_EQ(zvc_bytes(4000, 0.75, 4), 1000u + 125u);
  EXPECT_EQ(zvc_bytes(4000, 1.0, 4), 125u);
}

TEST(MemplanZvc, ChosenOnlyWhenItBeatsThePlainCopy) {
  Hardware hw = testing::unit_hw();                      // 1000 B/us links
  hw.zvc_compress_gbps = hw.zvc_decompress_gbps = 10.0;  // 10000 B/us
  Tensor t{"a", TensorKind::kActivation, 100000, 0.9, -1};
  TransferCost c = transfer_cost(t, hw);
  ASSERT_TRUE(c.compressed);  // 2 x (10 + 3.125) + 10 + 10 us < 2 x 100 us
  EXPECT_EQ(c.wire_bytes, 10000u + 3125u);
  EXPECT_DOUBLE_EQ(c.out_us, 13.125);
  EXPECT_DOUBLE_EQ(c.compress_us, 10.0);
  t.sparsity = 0.0;  // dense: the mask only adds bytes
  EXPECT_FALSE(transfer_cost(t, hw).compressed);
  t.sparsity = 0.9;
  hw.zvc_compress_gbps = hw.zvc_decompress_gbps = 0.5;  // a slow kernel loses
  EXPECT_FALSE(transfer_cost(t, hw).compressed);
  EXPECT_FALSE(transfer_cost(t, testing::unit_hw(), false).compressed);
}

TEST(MemplanZvc, SparseSwapsMoveFewerBytesInReplay) {
  const Trace tr = testing::residual(4, 0.9);
  const auto lt = analyze(tr);
  EvalSettings s;
  s.hw = testing::unit_hw();
  const auto budget = static_cast<std::uint64_t>(0.5 * unmanaged_peak(tr, lt));
  const Evaluation e = evaluate(tr, lt, "ilp", budget, s);
  ASSERT_TRUE(e.ok());
  ASSERT_GT(e.sim.swapped_out_bytes, 0u);
  EXPECT_LT(e.sim.wire_bytes, e.sim.swapped_out_bytes / 5);
}

TEST(MemplanOffload, TeacherWeightsAndActivationsCountAsFree) {
  const Trace tr = make_distillation("vgg16", "resnet50", 4);
  const auto lt = analyze(tr);
  const ModelOffloadTarget cim(std::uint64_t{1} << 40, 2.0);
  const OffloadChoice c = choose_offload(tr, cim);
  std::uint64_t teacher_bytes = 0;
  int teacher_ops = 0;
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    const auto& t = tr.tensors[i];
    if (t.name.rfind("teacher.", 0) == 0 && t.name != "teacher.fc.out") teacher_bytes += t.bytes;
  }
  for (const auto& op : tr.ops) teacher_ops += op.phase == Phase::kInference;
  EXPECT_EQ(std::count(c.offloaded.begin(), c.offloaded.end(), true), teacher_ops);
  // Everything of the teacher but its logits, which the student's loss reads.
  EXPECT_EQ(c.freed_bytes, teacher_bytes);
  Plan p = Plan::keep_all(tr);
  const auto on_gpu = memory_profile(tr, lt, p);
  p.offloaded = c.offloaded;
  const auto offloaded = memory_profile(tr, lt, p);
  std::uint64_t teacher_persistent = 0;  // weights and its own copy of the images
  for (const auto& t : tr.tensors)
    if (is_persistent(t.kind) && t.name.rfind("teacher.", 0) == 0) teacher_persistent += t.bytes;
  // The student's peak op no longer sees the teacher's weights and input.
  EXPECT_EQ(peak(on_gpu) - peak(offloaded), teacher_persistent);
  EXPECT_EQ(validate(tr, lt, p), "");
}

TEST(MemplanOffload, OnlyInferenceOpsMayBeOffloaded) {
  const Trace tr = testing::chain(2, 1000);
  const auto lt = analyze(tr);
  Plan p = Plan::keep_all(tr);
  p.offloaded[0] = true;
  EXPECT_NE(validate(tr, lt, p).find("not a fixed-weight"), std::string::npos);
}

TEST(MemplanOffload, PlannerFitsBudgetOnlyReachableWithOffload) {
  const Trace tr = make_distillation("vgg16", "resnet50", 2);
  const auto lt = analyze(tr);
  const ModelOffloadTarget cim(std::uint64_t{1} << 40, 2.0);
  EvalSettings s;
  s.time_limit_s = 5;
  // Below what the GPU alone can ever do (its floor), above the floor with the
  // teacher on the CIM device.
  const std::vector<bool> none(tr.ops.size(), false);
  const auto off = choose_offload(tr, cim).offloaded;
  const std::uint64_t gpu_floor = peak(floor_profile(tr, lt, none));
  const std::uint64_t cim_floor = peak(floor_profile(tr, lt, off));
  ASSERT_LT(cim_floor, gpu_floor);
  const std::uint64_t budget = (gpu_floor + cim_floor) / 2;
  EXPECT_THROW(evaluate(tr, lt, "ilp", budget, s), MemplanError);
  s.offload = &cim;
  const Evaluation e = evaluate(tr, lt, "capuchin", budget, s);
  EXPECT_TRUE(e.ok()) << e.sim.error;
}

}  // namespace
}  // namespace hycim::memplan

namespace hycim::memplan {
namespace {

TEST(MemplanLinkProbe, HostBackendGivesPositiveBandwidths) {
  auto be = make_host_backend();
  const Hardware hw = measure_links(*be, Hardware{}, 1 << 20, 2);
  EXPECT_GT(hw.h2d_gbps, 0.0);
  EXPECT_GT(hw.d2h_gbps, 0.0);
  EXPECT_EQ(hw.gpu_tflops, Hardware{}.gpu_tflops);  // only the links change
}

}  // namespace
}  // namespace hycim::memplan
