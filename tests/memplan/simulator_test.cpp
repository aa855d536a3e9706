// Timeline replay on the 3-layer chain: forward ops take 10 us, backward 20,
// links move 1000 bytes/us, so a 1000-byte activation copies in 1 us.
#include "runtime/memplan/simulator.hpp"

#include <gtest/gtest.h>

#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

class MemplanSim : public ::testing::Test {
 protected:
  Trace tr = testing::chain(3, 1000);
  std::vector<Lifetime> lt = analyze(tr);
  Hardware hw = testing::unit_hw();
  int l0 = tr.tensor_id("l0.out"), l1 = tr.tensor_id("l1.out");
};

TEST_F(MemplanSim, KeepAllAddsNothing) {
  const SimResult r = simulate(tr, lt, Plan::keep_all(tr), hw, 5700);
  EXPECT_TRUE(r.valid);
  EXPECT_DOUBLE_EQ(r.ideal_us, 90.0);
  EXPECT_DOUBLE_EQ(r.total_us, 90.0);
  EXPECT_DOUBLE_EQ(r.added_us, 0.0);
  EXPECT_EQ(r.peak_bytes, 5700u);
  EXPECT_TRUE(r.within_budget);
}

TEST_F(MemplanSim, OverBudgetAtTheExactByte) {
  const SimResult r = simulate(tr, lt, Plan::keep_all(tr), hw, 5699);
  EXPECT_FALSE(r.within_budget);
  EXPECT_EQ(r.first_over_budget, 5);
}

TEST_F(MemplanSim, CopyInHiddenBehindComputeCostsNothing) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 2, 5, -1};  // copy-in runs during op 5 (20 us)
  const SimResult r = simulate(tr, lt, p, hw, 5700);
  EXPECT_DOUBLE_EQ(r.added_us, 0.0);
  EXPECT_EQ(r.swapped_out_bytes, 1000u);
  ASSERT_EQ(r.transfers.size(), 2u);
  EXPECT_DOUBLE_EQ(r.transfers[0].start_us, 10.0);  // after l0
  EXPECT_DOUBLE_EQ(r.transfers[0].end_us, 11.0);
  EXPECT_DOUBLE_EQ(r.transfers[1].start_us, 30.0);  // at the start of op 5
}

TEST_F(MemplanSim, LateCopyInStallsForItsTransferTime) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 2, 6, -1};  // issued when its reader is due
  const SimResult r = simulate(tr, lt, p, hw, 5700);
  EXPECT_DOUBLE_EQ(r.stall_us, 1.0);
  EXPECT_DOUBLE_EQ(r.added_us, 1.0);
  EXPECT_EQ(r.peak_bytes, 4700u);
}

TEST_F(MemplanSim, ReleaseWaitsForSlowCopyOut) {
  hw.d2h_gbps = 0.04;  // 25 us for 1000 bytes: not done when op 2 wants the memory
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 2, 5, -1};
  const SimResult r = simulate(tr, lt, p, hw, 5700);
  EXPECT_DOUBLE_EQ(r.ops[2].start_us, 35.0);  // copy-out 10..35
  EXPECT_DOUBLE_EQ(r.added_us, 15.0);
}

TEST_F(MemplanSim, RecomputeAddsProducerTime) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l1] = {Action::kRecompute, false, -1, -1, 5};
  const SimResult r = simulate(tr, lt, p, hw, 5700);
  EXPECT_DOUBLE_EQ(r.recompute_us, 10.0);
  EXPECT_DOUBLE_EQ(r.added_us, 10.0);
}

TEST_F(MemplanSim, InvalidPlanIsReportedNotReplayed) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 1, 6, -1};
  const SimResult r = simulate(tr, lt, p, hw, 5700);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("l0.out"), std::string::npos);
}

TEST_F(MemplanSim, ChromeTraceHasOpsCopiesAndMemory) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 2, 5, -1};
  const auto j = chrome_trace(tr, simulate(tr, lt, p, hw, 5700));
  EXPECT_EQ(j["traceEvents"].size(), 2 * tr.ops.size() + 2);
}

}  // namespace
}  // namespace hycim::memplan
