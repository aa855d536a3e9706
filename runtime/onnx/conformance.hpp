// ONNX backend-test case folders (model.onnx + test_data_set_*/input_*.pb,
// output_*.pb) run through a Session and compared with the expected outputs:
// exactly for integer outputs, within the quantization error bound for float
// outputs of device operators (docs/runtime.md, "Tolerance"). Used by
// `hycim check-onnx` and the runtime tests.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "runtime/onnx/session.hpp"

namespace hycim::runtime {

struct CaseResult {
  bool passed = false;
  std::string reason;    // why it failed
  bool exact = true;     // every compared output was integer
  double max_error = 0;  // largest |got - expected| over float outputs
  double max_tolerance = 0;
  uint64_t cycles = 0;  // device cycles over all data sets
};

// Never throws for a bad case: load and run errors become the reason.
CaseResult check_case(const std::string& dir, const SessionOptions& options);
// The same on a backend `make` builds (tests: bare tiles of any geometry).
CaseResult check_case(const std::string& dir,
                      const std::function<std::unique_ptr<Backend>()>& make);

}  // namespace hycim::runtime
