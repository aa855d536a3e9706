// Slot rules of plan.hpp on a 3-layer chain (see test_traces.hpp): op 0..2
// forward, 3 loss, 4 loss.backward, 5..7 backward. Persistent bytes: 700.
#include "runtime/memplan/plan.hpp"

#include <gtest/gtest.h>

#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

using U = std::vector<std::uint64_t>;

class MemplanPlan : public ::testing::Test {
 protected:
  Trace tr = testing::chain(3, 1000);
  std::vector<Lifetime> lt = analyze(tr);
  int l0 = tr.tensor_id("l0.out"), l1 = tr.tensor_id("l1.out");
};

TEST_F(MemplanPlan, LifetimesOfChain) {
  EXPECT_EQ(lt[l0].producer, 0);
  EXPECT_EQ(lt[l0].last_fwd_use, 1);
  EXPECT_EQ(lt[l0].first_bwd_use, 6);
  EXPECT_EQ(lt[l0].last_use, 7);
  EXPECT_TRUE(lt[l0].managed);
  EXPECT_FALSE(lt[tr.tensor_id("l2.grad0")].managed);
  EXPECT_EQ(persistent_bytes(tr), 700u);
}

TEST_F(MemplanPlan, KeepAllProfile) {
  EXPECT_EQ(memory_profile(tr, lt, Plan::keep_all(tr)),
            (U{1700, 2700, 3700, 3704, 4704, 5700, 4700, 2700}));
}

TEST_F(MemplanPlan, SwapFreesExactlyBetweenReleaseAndCopyIn) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 2, 6, -1};
  EXPECT_EQ(validate(tr, lt, p), "");
  EXPECT_EQ(memory_profile(tr, lt, p), (U{1700, 2700, 2700, 2704, 3704, 4700, 4700, 2700}));
}

TEST_F(MemplanPlan, RecomputeHoldsFromRematSlot) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l1] = {Action::kRecompute, false, -1, -1, 5};
  EXPECT_EQ(validate(tr, lt, p), "");
  EXPECT_EQ(memory_profile(tr, lt, p), (U{1700, 2700, 3700, 2704, 3704, 5700, 4700, 2700}));
}

TEST_F(MemplanPlan, ValidateRejectsBadSlots) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0] = {Action::kSwap, false, 1, 6, -1};  // released while op 1 still reads it
  EXPECT_NE(validate(tr, lt, p).find("l0.out"), std::string::npos);
  p.tensors[l0] = {Action::kSwap, false, 3, 2, -1};  // back before it left
  EXPECT_NE(validate(tr, lt, p), "");
  p.tensors[l0] = {Action::kRecompute, false, -1, -1, 6};
  p.tensors[l1] = {Action::kRecompute, false, -1, -1, 5};  // needs l0.out at 5: gone until 6
  EXPECT_NE(validate(tr, lt, p).find("needs 'l0.out'"), std::string::npos);
  p = Plan::keep_all(tr);
  p.tensors[tr.tensor_id("l2.grad0")].action = Action::kSwap;
  EXPECT_NE(validate(tr, lt, p).find("not a managed"), std::string::npos);
}

TEST_F(MemplanPlan, AssignRematSlotsRunsChainsTogether) {
  Plan p = Plan::keep_all(tr);
  p.tensors[l0].action = p.tensors[l1].action = Action::kRecompute;
  assign_remat_slots(tr, lt, p);
  EXPECT_EQ(p.tensors[l1].remat_at, 5);
  EXPECT_EQ(p.tensors[l0].remat_at, 5);  // l1's producer needs it at 5, before its own use at 6
  EXPECT_EQ(validate(tr, lt, p), "");
}

TEST_F(MemplanPlan, FloorAndImpossibleBudget) {
  const std::vector<bool> none(tr.ops.size(), false);
  EXPECT_EQ(floor_profile(tr, lt, none), (U{1700, 2700, 2700, 1704, 2704, 4700, 4700, 2700}));
  EXPECT_NO_THROW(check_budget(tr, lt, none, 4700));
  try {
    check_budget(tr, lt, none, 4699);
    FAIL() << "no error for a budget below the floor";
  } catch (const MemplanError& e) {
    EXPECT_NE(std::string(e.what()).find("op 'l2.backward'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("4700"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hycim::memplan
