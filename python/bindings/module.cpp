// hycim._native: the C++ runtime, driver and data cache for the Python
// package (python/hycim). Every call that waits on the device or on data
// releases the GIL.
#include "python/bindings/bindings.hpp"
#include "python/bindings/errors.hpp"

PYBIND11_MODULE(_native, m) {
  m.doc() = "hycim's runtime, driver and data cache (use the hycim package, not this module)";
  hycim::python::register_errors(m);
  hycim::python::bind_device(m);
  hycim::python::bind_session(m);
  hycim::python::bind_data(m);
  hycim::python::bind_memplan(m);
}
