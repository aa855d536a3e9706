// A memory plan: what happens to each forward activation between its forward
// and backward uses, at which op each transfer or recomputation happens, and
// which fixed-weight ops run on the CIM device instead of the GPU.
//
// Slot semantics (shared by the memory profile, the simulator, the ILP and
// the executor, so that all four agree on memory exactly):
//   keep:      resident [producer, last_use]
//   swap:      copy-out issued after the producer; resident [producer, free_at-1];
//              copy-in issued at the start of swap_in_at; resident [swap_in_at, last_use]
//   recompute: resident [producer, last_fwd_use]; its producer re-runs at the
//              start of remat_at; resident [remat_at, last_use]
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/memplan/hardware.hpp"
#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

enum class Action { kKeep, kSwap, kRecompute };
const char* to_string(Action a);

struct TensorPlan {
  Action action = Action::kKeep;
  bool compressed = false;  // swap through ZVC
  int free_at = -1;         // swap: op before which the device copy is released
  int swap_in_at = -1;      // swap: op at whose start the copy back is issued
  int remat_at = -1;        // recompute: op at whose start the producer re-runs
};

struct Plan {
  std::string planner;
  std::vector<TensorPlan> tensors;  // one per trace tensor; only managed ones matter
  std::vector<bool> offloaded;      // one per op: runs on the CIM device

  static Plan keep_all(const Trace& trace, std::string planner = "none");
};

// Device bytes resident during each op under the plan (after the op's inputs
// and outputs are allocated; the peak within the op).
std::vector<std::uint64_t> memory_profile(const Trace& trace, const std::vector<Lifetime>& lt,
                                          const Plan& plan);
std::uint64_t peak(const std::vector<std::uint64_t>& profile);

// The least memory any plan can reach at each op: persistent tensors plus
// whatever that op itself reads and writes (everything else swapped out).
std::vector<std::uint64_t> floor_profile(const Trace& trace, const std::vector<Lifetime>& lt,
                                         const std::vector<bool>& offloaded);

// Throws MemplanError when the budget is below floor at some op, naming it.
void check_budget(const Trace& trace, const std::vector<Lifetime>& lt,
                  const std::vector<bool>& offloaded, std::uint64_t budget);

// Empty when the plan is consistent with the trace, else why not (first problem).
std::string validate(const Trace& trace, const std::vector<Lifetime>& lt, const Plan& plan);

// For recompute tensors without a slot: re-run each just in time, i.e. at
// min(its first backward use, the slots of recomputed tensors needing it),
// and pull swap-ins it depends on forward. Used by the heuristic baselines.
void assign_remat_slots(const Trace& trace, const std::vector<Lifetime>& lt, Plan& plan);

// Whether op `j` is resident for tensor `id` (the single source of the slot rules).
bool resident_at(const Lifetime& l, const TensorPlan& p, int j);

// Tensors touched only by offloaded ops: they never occupy GPU memory.
std::vector<bool> off_gpu_tensors(const Trace& trace, const std::vector<bool>& offloaded);

nlohmann::json plan_to_json(const Trace& trace, const Plan& plan);
Plan plan_from_json(const Trace& trace, const nlohmann::json& j);

}  // namespace hycim::memplan
