// The executor on the host backend: every planner's plan runs within its
// budget, restores every tensor byte for byte and ends with the same weight
// gradients as the unmanaged run; the recorder reads back what it measured.
#include "runtime/memplan/executor.hpp"

#include <gtest/gtest.h>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/trace_json.hpp"
#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

// Room for the allocator's 512-byte size classes on top of the budget.
std::uint64_t capacity_for(const Trace& tr, std::uint64_t budget) {
  return budget + 512 * tr.tensors.size();
}

class MemplanExecutor : public ::testing::TestWithParam<std::string> {
 protected:
  Trace tr = testing::residual(3, 0.5);
  std::vector<Lifetime> lt = analyze(tr);
};

TEST_P(MemplanExecutor, PlanRunsWithinBudgetAndReproducesTheUnmanagedResult) {
  auto be = make_host_backend();
  const Plan keep = Plan::keep_all(tr);
  const ExecResult ref = execute(tr, lt, keep, *be, capacity_for(tr, unmanaged_peak(tr, lt)));
  ASSERT_TRUE(ref.ok) << ref.error;
  EXPECT_EQ(ref.alloc.peak_requested, unmanaged_peak(tr, lt));

  const auto budget = static_cast<std::uint64_t>(0.7 * unmanaged_peak(tr, lt));
  EvalSettings s;
  s.hw = testing::unit_hw();
  const Evaluation e = evaluate(tr, lt, GetParam(), budget, s);
  ASSERT_TRUE(e.sim.valid) << e.sim.error;
  // The planners that search for a plan under the budget must find one here;
  // a fixed-policy baseline may exceed it, and is then run at its own peak.
  const bool searches = GetParam() == "capuchin" || GetParam() == "checkmate" || GetParam() == "ilp";
  if (searches) {
    ASSERT_TRUE(e.ok()) << GetParam() << " found no plan within " << budget << " B";
  }
  const std::uint64_t room = e.ok() ? budget : e.sim.peak_bytes;
  const ExecResult run = execute(tr, lt, e.outcome.plan, *be, capacity_for(tr, room));
  ASSERT_TRUE(run.ok) << run.error;
  EXPECT_EQ(run.mismatches, 0);
  EXPECT_EQ(run.digest, ref.digest);
  // The executor holds exactly what the plan's profile says, never more.
  EXPECT_EQ(run.alloc.peak_requested, e.sim.peak_bytes);
  if (e.ok()) {
    EXPECT_LE(run.alloc.peak_requested, budget);
  } else {
    EXPECT_GT(run.alloc.peak_requested, budget);
  }
  int swaps = 0, remats = 0;
  for (const auto& t : e.outcome.plan.tensors) {
    swaps += t.action == Action::kSwap;
    remats += t.action == Action::kRecompute;
  }
  EXPECT_EQ(run.swapped_out, swaps);
  EXPECT_EQ(run.swapped_in, swaps);
  EXPECT_EQ(run.recomputed, remats);
}

INSTANTIATE_TEST_SUITE_P(Planners, MemplanExecutor,
                         ::testing::Values("swap-all", "capuchin", "chen-sqrt", "checkmate", "ilp"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(MemplanExecutorErrors, OutOfMemoryNamesTheTensor) {
  const Trace tr = testing::chain(3, 1000);
  const auto lt = analyze(tr);
  auto be = make_host_backend();
  const ExecResult r = execute(tr, lt, Plan::keep_all(tr), *be, 4000);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("out of device memory allocating"), std::string::npos) << r.error;
  EXPECT_GT(r.alloc.failures, 0u);
}

TEST(MemplanExecutorErrors, InvalidPlanIsRefusedBeforeRunning) {
  const Trace tr = testing::chain(3, 1000);
  const auto lt = analyze(tr);
  Plan p = Plan::keep_all(tr);
  p.tensors[tr.tensor_id("l0.out")] = {Action::kSwap, false, 1, 6, -1};
  auto be = make_host_backend();
  const ExecResult r = execute(tr, lt, p, *be, 1 << 20);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("invalid plan"), std::string::npos);
}

TEST(MemplanRecorder, RecordedTraceHasMeasuredSparsityAndTimes) {
  const Trace tr = testing::residual(2, 0.5);
  const auto lt = analyze(tr);
  auto be = make_host_backend();
  const ExecResult r = execute(tr, lt, Plan::keep_all(tr), *be, 1 << 20);
  ASSERT_TRUE(r.ok) << r.error;
  const Trace rec = trace_from_json(trace_to_json(record_trace(tr, r)));
  const int a = rec.tensor_id("b0.a.out");
  EXPECT_NEAR(rec.tensors[a].sparsity, 0.5, 0.1);
  for (const auto& op : rec.ops) EXPECT_GE(op.compute_us, 0.0);
  EXPECT_EQ(rec.ops.size(), tr.ops.size());
}

}  // namespace
}  // namespace hycim::memplan

namespace hycim::memplan {
namespace {

// The same plan on a GPU: streams and events instead of synchronous copies,
// same bytes at the end. Skipped where there is no CUDA device (CI).
TEST(MemplanCudaExecutor, SamePlanSameResultAsHost) {
  auto gpu = make_cuda_backend();
  if (!gpu) GTEST_SKIP() << "no CUDA device";
  const Trace tr = testing::residual(3, 0.5);
  const auto lt = analyze(tr);
  const auto budget = static_cast<std::uint64_t>(0.7 * unmanaged_peak(tr, lt));
  EvalSettings s;
  s.hw = testing::unit_hw();
  const Evaluation e = evaluate(tr, lt, "ilp", budget, s);
  ASSERT_TRUE(e.ok());
  auto host = make_host_backend();
  const ExecResult h = execute(tr, lt, e.outcome.plan, *host, capacity_for(tr, budget));
  const ExecResult g = execute(tr, lt, e.outcome.plan, *gpu, capacity_for(tr, budget));
  ASSERT_TRUE(g.ok) << g.error;
  EXPECT_EQ(g.mismatches, 0);
  EXPECT_EQ(g.digest, h.digest);
  EXPECT_EQ(g.alloc.peak_requested, h.alloc.peak_requested);
}

}  // namespace
}  // namespace hycim::memplan
