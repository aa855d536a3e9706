// Every planner on small traces at 70% and 50% of the unmanaged peak: plans
// replay within budget, the ILP is no worse than any baseline that fits, and
// the LP relaxation bounds the MILP from below.
#include <gtest/gtest.h>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/ilp.hpp"
#include "runtime/memplan/networks.hpp"
#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

struct Case {
  const char* name;
  Trace (*make)();
  double fraction;
};

Trace chain8() {
  return testing::chain(8, 1000);
}
Trace residual4() {
  return testing::residual(4);
}
Trace residual4_sparse() {
  return testing::residual(4, 0.9);
}

class MemplanPlanners : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    tr = GetParam().make();
    lt = analyze(tr);
    budget = static_cast<std::uint64_t>(GetParam().fraction * unmanaged_peak(tr, lt));
    s.hw = testing::unit_hw();
    s.time_limit_s = 20;
  }
  Trace tr;
  std::vector<Lifetime> lt;
  std::uint64_t budget = 0;
  EvalSettings s;
};

TEST_P(MemplanPlanners, IlpFitsAndIsNoWorseThanAnyBaseline) {
  const Evaluation ilp = evaluate(tr, lt, "ilp", budget, s);
  ASSERT_TRUE(ilp.ok()) << ilp.sim.error;
  EXPECT_EQ(ilp.outcome.status, "optimal");  // the solver's own plan, not the warm start
  EXPECT_LE(ilp.sim.peak_bytes, budget);
  for (const auto& name : planner_names()) {
    if (name == "ilp") continue;
    const Evaluation e = evaluate(tr, lt, name, budget, s);
    EXPECT_TRUE(e.sim.valid) << name << ": " << e.sim.error;
    if (e.ok()) {
      EXPECT_LE(ilp.sim.added_us, e.sim.added_us + 1e-6) << name;
    }
  }
}

TEST_P(MemplanPlanners, LpRelaxationsBoundTheMilps) {
  PlanRequest req{&tr, &lt, s.hw, budget, {}, 10.0, nullptr};
  const double full_lp = lp_lower_bound(req, {});
  const Evaluation ilp = evaluate(tr, lt, "ilp", budget, s);
  ASSERT_GE(ilp.outcome.objective, 0.0);
  EXPECT_LE(full_lp, ilp.outcome.objective + 1e-6);
  EXPECT_NEAR(ilp.outcome.bound, ilp.outcome.objective, 1e-6);  // solved to optimality
  const Evaluation cm = evaluate(tr, lt, "checkmate", budget, s);
  if (cm.outcome.status == "infeasible") {  // recompute alone cannot reach this budget
    EXPECT_FALSE(cm.ok());
    return;
  }
  ASSERT_TRUE(cm.ok()) << cm.sim.error;
  // No copies: the model's objective is exactly the replayed added time.
  EXPECT_NEAR(cm.outcome.objective, cm.sim.added_us, 1e-6);
  const double lp = lp_lower_bound(req, {false, true, false, 4});
  EXPECT_LE(lp, cm.outcome.objective + 1e-6);
  EXPECT_LE(full_lp, lp + 1e-6);  // more choices, lower bound
  EXPECT_LE(ilp.sim.added_us, cm.sim.added_us + 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Small, MemplanPlanners,
                         ::testing::Values(Case{"chain8_70", chain8, 0.7},
                                           Case{"chain8_50", chain8, 0.5},
                                           Case{"residual4_70", residual4, 0.7},
                                           Case{"residual4_50", residual4, 0.5},
                                           Case{"residual4_sparse_50", residual4_sparse, 0.5}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace hycim::memplan

namespace hycim::memplan {
namespace {

// The heuristic planners on the real network traces (small batch): plans are
// valid, and what a planner says about fitting is what the replay finds.
TEST(MemplanPlannersOnNetworks, BaselinePlansAreValidAndHonestAboutFitting) {
  for (const auto& net : network_names()) {
    const Trace tr = make_network(net, 2);
    const auto lt = analyze(tr);
    const auto budget = static_cast<std::uint64_t>(0.9 * unmanaged_peak(tr, lt));
    for (const char* p : {"none", "swap-all", "capuchin", "chen-sqrt", "griewank-log"}) {
      const Evaluation e = evaluate(tr, lt, p, budget, {});
      EXPECT_TRUE(e.sim.valid) << net << " " << p << ": " << e.sim.error;
      EXPECT_EQ(e.outcome.fits, e.sim.within_budget) << net << " " << p;
      EXPECT_GE(e.sim.added_us, -1e-6) << net << " " << p;
    }
  }
}

}  // namespace
}  // namespace hycim::memplan
