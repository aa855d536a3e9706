// Carries out a plan for one training iteration on a Backend: tensors live in
// a CachingAllocator capped at the budget, swaps go through a host pool on
// the copy streams with events, recomputation re-runs the producer's kernel,
// offloaded ops run off the GPU (on the host, standing in for the CIM device).
// Every recomputed or swapped-in tensor is compared byte for byte with what
// its producer first wrote.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/memplan/allocator.hpp"
#include "runtime/memplan/backend.hpp"
#include "runtime/memplan/plan.hpp"

namespace hycim::memplan {

struct ExecResult {
  bool ok = true;
  std::string error;         // first failure: out of memory, missing tensor
  std::uint64_t digest = 0;  // hash of every weight gradient at the end
  int swapped_out = 0, swapped_in = 0, recomputed = 0;
  int mismatches = 0;            // restored tensors that differ from the original
  AllocStats alloc;              // device allocator, including peaks and fragmentation
  std::vector<double> op_us;     // measured per op (compute stream events)
  std::vector<double> sparsity;  // measured zero share per tensor (-1: not produced)
};

// `capacity` caps the device allocator (the budget plus whatever rounding the
// size classes need; peak requested bytes are what the planner's budget bounds).
ExecResult execute(const Trace& trace, const std::vector<Lifetime>& lt, const Plan& plan,
                   Backend& backend, std::uint64_t capacity);

// The recorder: the trace again, with op times and tensor sparsity as the
// executor measured them, in the same format the planners read.
Trace record_trace(const Trace& trace, const ExecResult& run);

}  // namespace hycim::memplan
