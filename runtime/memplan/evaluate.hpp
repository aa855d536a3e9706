// Plan-then-replay in one call: what the CLI, the benchmark and the tests do
// with every planner, so they all measure the same thing.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/memplan/planner.hpp"
#include "runtime/memplan/simulator.hpp"

namespace hycim::memplan {

struct Evaluation {
  std::string planner;
  PlanOutcome outcome;
  SimResult sim;
  // Fits in the replay (and the plan is valid).
  bool ok() const { return sim.valid && sim.within_budget; }
};

struct EvalSettings {
  Hardware hw;
  double time_limit_s = 10.0;
  const OffloadTarget* offload = nullptr;  // null: nothing offloaded
};

Evaluation evaluate(const Trace& trace, const std::vector<Lifetime>& lt, const std::string& planner,
                    std::uint64_t budget, const EvalSettings& s);

// Peak of the unmanaged run (keep everything, nothing offloaded).
std::uint64_t unmanaged_peak(const Trace& trace, const std::vector<Lifetime>& lt);

// With `trace`, also the offloaded ops by name and the device time of each
// ("offloaded": [{"op", "device_us"}], "device_us": their sum).
nlohmann::json evaluation_to_json(const Evaluation& e, const Trace* trace = nullptr);

}  // namespace hycim::memplan
