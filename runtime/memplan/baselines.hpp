// The baselines the ILP is measured against, each a Planner:
//   none          keep everything (the unmanaged peak)
//   swap-all      vDNN-like: swap every activation out after its producer and
//                 prefetch it one op before its first backward use
//   capuchin      Capuchin-like greedy on access patterns: at the peak, evict
//                 the idle tensor with the most bytes freed per estimated
//                 overhead, by swap (when the copy hides behind compute) or
//                 recompute, until the plan fits
//   chen-sqrt     Chen et al. sqrt(n) checkpointing: keep every ceil(sqrt(n))-th
//                 activation, recompute the rest
//   griewank-log  log2(n) checkpoints placed by repeated bisection of the
//                 remaining chain, as Griewank & Walther's first sweep does
// Recompute baselines use the recompute-once executor (plan.hpp), not
// Revolve's nested re-sweeps; docs/memplan.md says so.
#pragma once
#include "runtime/memplan/planner.hpp"

namespace hycim::memplan {

std::unique_ptr<Planner> make_keep_all();
std::unique_ptr<Planner> make_swap_all();
std::unique_ptr<Planner> make_capuchin();
std::unique_ptr<Planner> make_chen_sqrt();
std::unique_ptr<Planner> make_griewank_log();

}  // namespace hycim::memplan
