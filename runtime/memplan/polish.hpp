// Replay-guided polishing of a plan's transfer slots. The ILP's copy rows
// treat each copy engine as shared fluidly among overlapping transfers; the
// real engines (and the simulator) run copies one after another, so a copy
// issued early with a late deadline can delay an urgent one. This moves
// copy-ins earlier and releases later, one step at a time, keeping each move
// that the replay says fits the budget and adds less time.
#pragma once
#include "runtime/memplan/planner.hpp"

namespace hycim::memplan {

// Replayed added time of `plan` (infinity when invalid or over budget).
double replay_added_us(const PlanRequest& req, const Plan& plan);

// Returns the polished plan; stops after `seconds` or when a pass finds nothing.
Plan polish_transfers(const PlanRequest& req, Plan plan, double seconds);

}  // namespace hycim::memplan
