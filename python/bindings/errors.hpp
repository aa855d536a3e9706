// hycim's C++ exceptions as Python exceptions with the same messages the CLI
// prints: hycim.Error (RuntimeError) for models, tensors and options,
// hycim.DeviceError for the driver and the device (its `status` names the
// driver status), hycim.DataError for datasets (`file`, `sample`).
#pragma once
#include <pybind11/pybind11.h>

namespace hycim::python {

void register_errors(pybind11::module_& m);

}  // namespace hycim::python
