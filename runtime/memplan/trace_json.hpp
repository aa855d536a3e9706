// The trace's JSON form ("hycim-memplan-trace" version 1), documented in
// docs/memplan.md. Tensors are referred to by name in the file, by id in memory.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

// Throws MemplanError naming the field, op or tensor at fault; the result has
// also passed analyze().
Trace trace_from_json(const nlohmann::json& j);
Trace load_trace(const std::string& path);

nlohmann::json trace_to_json(const Trace& trace);
void save_trace(const Trace& trace, const std::string& path);

}  // namespace hycim::memplan
