// The runtime's exception family: thrown while loading, checking, planning or
// running a model, with a message that names the file, node or tensor at fault.
#pragma once
#include <stdexcept>

namespace hycim::runtime {

struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A run that would hold more tensor data than its memory budget; the message
// is complete (node, tensor, bytes), so nothing wraps it again.
struct MemoryBudgetError : RuntimeError {
  using RuntimeError::RuntimeError;
};

// The CLI's flag for a run's memory budget: the default knob a budget
// refusal names (the Python binding names its keyword instead).
inline constexpr const char* kCliBudgetHint = "--max-memory";

}  // namespace hycim::runtime
