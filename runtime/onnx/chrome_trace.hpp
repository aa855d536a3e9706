// A run's profile as a Chrome trace (chrome://tracing, Perfetto): one process
// for the host (every node on the wall clock, simulation included) and one
// for the device in simulated time (device nodes end to end, each tile's busy
// share of a node on its own track, cumulative energy as a counter).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/onnx/session.hpp"

namespace hycim::runtime {

nlohmann::json chrome_trace(const RunStats& stats, const std::string& model,
                            const std::string& device);

}  // namespace hycim::runtime
