// The native module's parts (python/hycim wraps them in the public API).
#pragma once
#include <pybind11/pybind11.h>

namespace hycim::python {

namespace py = pybind11;

void bind_device(py::module_& m);
void bind_session(py::module_& m);
void bind_data(py::module_& m);
void bind_memplan(py::module_& m);

}  // namespace hycim::python
