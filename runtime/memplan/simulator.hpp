// Replays a plan on a model of the GPU: one compute stream, a device-to-host
// and a host-to-device copy engine (FIFO each), and the CIM device for
// offloaded ops. Ops wait on copy-in events, releases wait on copy-out
// events, exactly as the executor does. Memory per op follows the plan's slot
// rules (plan.hpp), so "never over budget" is checked on the same numbers
// the planners reason about.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/memplan/hardware.hpp"
#include "runtime/memplan/offload.hpp"
#include "runtime/memplan/plan.hpp"

namespace hycim::memplan {

struct OpTiming {
  double start_us = 0, end_us = 0;  // on the compute stream (or the CIM device)
  std::uint64_t bytes = 0;          // device memory during the op
};

struct Transfer {
  int tensor = -1;
  bool to_host = true;
  double start_us = 0, end_us = 0;
};

struct SimResult {
  bool valid = true;  // false: the plan breaks the slot rules (see error)
  std::string error;
  double total_us = 0;  // end of the iteration
  double ideal_us = 0;  // every op back to back on the GPU, nothing managed
  double added_us = 0;  // total - ideal
  double stall_us = 0;  // compute stream waiting on copies
  double recompute_us = 0, compress_us = 0;
  std::uint64_t peak_bytes = 0;
  std::uint64_t budget = 0;
  bool within_budget = true;
  int first_over_budget = -1;  // op index
  std::uint64_t swapped_out_bytes = 0, wire_bytes = 0;
  std::vector<OpTiming> ops;
  std::vector<Transfer> transfers;
};

// `target` gives device times for offloaded ops (their GPU time otherwise).
SimResult simulate(const Trace& trace, const std::vector<Lifetime>& lt, const Plan& plan,
                   const Hardware& hw, std::uint64_t budget, const OffloadTarget* target = nullptr);

// Chrome-trace (about://tracing, Perfetto) events: ops, copies, memory counter.
nlohmann::json chrome_trace(const Trace& trace, const SimResult& r);

}  // namespace hycim::memplan
