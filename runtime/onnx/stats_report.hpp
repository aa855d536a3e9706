// A session's last run as JSON: totals, NVM residency counters, the placement
// (resident and streamed rows, wear, lifetime) and one entry per node. One
// description for every front end: `hycim run --json` prints it and the
// Python package's Session.stats returns it, field for field.
#pragma once
#include <nlohmann/json.hpp>

#include "runtime/onnx/session.hpp"

namespace hycim::runtime {

nlohmann::json run_stats_report(const Session& s);
// A pipelined run's totals (Session::run_many).
nlohmann::json pipeline_stats_report(const PipelineStats& p);

}  // namespace hycim::runtime
