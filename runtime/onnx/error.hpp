// The runtime's exception family: thrown while loading, checking, planning or
// running a model, with a message that names the file, node or tensor at fault.
#pragma once
#include <stdexcept>

namespace hycim::runtime {

struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace hycim::runtime
