// The ILP planner. For each managed activation one binary picks keep, swap
// (one binary per candidate release op and per candidate copy-in op, so the
// solver chooses where each transfer starts) or recompute (one binary per
// candidate re-run op). Constraints: one choice per tensor; memory at every
// op within budget, by the slot rules of plan.hpp, exactly; a re-run op's
// inputs resident when it runs; per op and per copy engine, the copy time
// spread over a transfer's window (in proportion to the compute there) is at
// most that compute plus the stall charged to the op. Objective: stalls +
// recompute time + compression time, in microseconds.
//
// "checkmate" is the same model with swapping switched off: a recompute-only
// MILP in the style of Checkmate (Jain et al., MLSys'20), whose LP
// relaxation is its lower bound.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/memplan/lp_model.hpp"
#include "runtime/memplan/planner.hpp"

namespace hycim::memplan {

struct IlpOptions {
  bool allow_swap = true;
  bool allow_recompute = true;
  bool allow_compression = true;
  int remat_slots = 4;  // candidate re-run ops per tensor (bounds recompute chain length)
};

class IlpFormulation {
 public:
  IlpFormulation(const PlanRequest& req, const IlpOptions& opt);
  const LpModel& model() const { return model_; }
  Plan decode(const std::vector<double>& x, const std::string& planner) const;
  // The plan as a solution vector, or empty when one of its slots is not a
  // candidate of this model.
  std::vector<double> encode(const Plan& plan) const;

 private:
  enum class Kind { kKeep, kFree, kIn, kRemat, kStall };
  struct VarInfo {
    int tensor;
    Kind kind;
    int slot;
  };
  struct CopyRow {
    int row, stall;
    double compute;
  };
  int var(int tensor, Kind kind, int slot, double cost);
  void add_tensor_vars(int a);
  void add_choice_rows();
  void add_memory_rows();
  void add_copy_rows();
  void add_remat_rows();
  std::vector<std::vector<int>> remat_candidates() const;

  const PlanRequest& req_;
  IlpOptions opt_;
  LpModel model_;
  std::vector<VarInfo> info_;
  std::vector<std::vector<int>> vars_of_;  // per tensor
  std::vector<TransferCost> cost_;
  std::vector<std::vector<int>> remat_slots_;
  std::vector<int> stall_;  // per op
  std::vector<CopyRow> copy_rows_;
};

std::unique_ptr<Planner> make_ilp_planner(const std::string& name, const IlpOptions& opt);

// Lower bound on the model's optimum from its LP relaxation (us).
double lp_lower_bound(const PlanRequest& req, const IlpOptions& opt);

}  // namespace hycim::memplan
