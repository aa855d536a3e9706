#include "python/bindings/errors.hpp"

#include "driver/driver.hpp"
#include "runtime/cim/mvm_engine.hpp"
#include "runtime/data/error.hpp"
#include "runtime/onnx/error.hpp"

namespace hycim::python {

namespace py = pybind11;

void register_errors(py::module_& m) {
  // Kept alive for the interpreter's lifetime: the translator below refers to them.
  static py::exception<runtime::RuntimeError> error(m, "Error", PyExc_RuntimeError);
  static py::exception<driver::DriverError> device_error(m, "DeviceError", error.ptr());
  static py::exception<data::DataError> data_error(m, "DataError", error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const driver::DriverError& e) {
      py::object ex = py::handle(device_error.ptr())(e.what());
      ex.attr("status") = driver::to_string(e.status);
      PyErr_SetObject(device_error.ptr(), ex.ptr());
    } catch (const cim::EngineError& e) {
      py::object ex = py::handle(device_error.ptr())(e.what());
      ex.attr("status") = "ENGINE";
      PyErr_SetObject(device_error.ptr(), ex.ptr());
    } catch (const data::DataError& e) {
      py::object ex = py::handle(data_error.ptr())(e.what());
      ex.attr("file") = e.file();
      ex.attr("sample") =
          e.sample() == data::kNoSample ? py::object(py::none()) : py::object(py::int_(e.sample()));
      PyErr_SetObject(data_error.ptr(), ex.ptr());
    } catch (const runtime::RuntimeError& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
}

}  // namespace hycim::python
