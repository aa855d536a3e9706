// hycim.Device's native half: a driver context on any device URI, its
// description (cim/device_report.hpp, as `hycim info --json` prints it), its
// usage counters and the NVM blocks resident on it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/bindings/bindings.hpp"
#include "runtime/cim/device_report.hpp"
#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"

namespace hycim::python {
namespace {

class NativeDevice {
 public:
  explicit NativeDevice(const std::string& uri) : uri_(uri), dev_(driver::Device::open(uri)) {}

  std::string report() const {
    driver::DeviceInfo info;
    if (const auto st = open().info(&info); st != driver::Status::kOk)
      throw driver::DriverError(st, uri_ + ": reading device info: " + driver::to_string(st));
    return cim::device_report(uri_, open().capabilities(), info, cim::read_tile_health(open()))
        .dump();
  }
  std::string usage() const {
    driver::Usage u{};
    if (const auto st = open().usage(&u); st != driver::Status::kOk)
      throw driver::DriverError(st, uri_ + ": reading usage counters: " + driver::to_string(st));
    return cim::usage_report(u).dump();
  }
  // The blocks this process and the device's NVM catalog hold, through a
  // second context (the listing programs nothing).
  std::string nvm() const {
    open();
    cim::DriverEngineOptions o;
    o.uri = uri_;
    cim::DriverEngine engine(o);
    const auto residency = cim::residency_for(engine, {}, std::chrono::milliseconds(30000));
    return cim::nvm_listing(engine, *residency).dump();
  }
  void close() { dev_.reset(); }
  bool closed() const { return !dev_; }
  const std::string& uri() const { return uri_; }

 private:
  driver::Device& open() const {
    if (!dev_) throw driver::DriverError(driver::Status::kInvalid, uri_ + ": device is closed");
    return *dev_;
  }
  std::string uri_;
  std::unique_ptr<driver::Device> dev_;
};

}  // namespace

void bind_device(py::module_& m) {
  py::class_<NativeDevice>(m, "NativeDevice")
      .def(py::init<const std::string&>(), py::arg("uri"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("uri", &NativeDevice::uri)
      .def_property_readonly("closed", &NativeDevice::closed)
      .def("report", &NativeDevice::report, py::call_guard<py::gil_scoped_release>())
      .def("usage", &NativeDevice::usage, py::call_guard<py::gil_scoped_release>())
      .def("nvm", &NativeDevice::nvm, py::call_guard<py::gil_scoped_release>())
      .def("close", &NativeDevice::close, py::call_guard<py::gil_scoped_release>());
  m.def("presets", [] { return cim::presets_report().dump(); });
}

}  // namespace hycim::python
