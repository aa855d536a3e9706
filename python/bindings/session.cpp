// hycim.Session's native half: a runtime::Session over a model file or
// bytes, run with the GIL released (one run at a time per session; sessions
// run side by side from Python threads), outputs handed to numpy without a
// copy, stats as `hycim run --json` prints them.
#include "runtime/onnx/session.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>

#include "python/bindings/arrays.hpp"
#include "python/bindings/bindings.hpp"
#include "runtime/cim/device_report.hpp"
#include "runtime/onnx/graph_passes.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/stats_report.hpp"

namespace hycim::python {
namespace {

using runtime::TensorMap;

runtime::Graph load(const py::object& model, const std::string& name) {
  if (py::isinstance<py::bytes>(model)) {
    const std::string bytes = model.cast<std::string>();
    py::gil_scoped_release free;
    return runtime::load_model_bytes(bytes, name.empty() ? "<model bytes>" : name);
  }
  const std::string path = py::str(model).cast<std::string>();
  py::gil_scoped_release free;
  runtime::Graph g = runtime::load_model(path);
  if (!name.empty()) g.source = name;  // the name residency labels and messages use
  return g;
}

TensorMap tensors_of(const py::dict& arrays, const std::string& what) {
  TensorMap t;
  for (const auto& [k, v] : arrays) {
    const std::string name = py::str(k).cast<std::string>();
    t[name] = tensor_from_array(py::array::ensure(v), what + " '" + name + "'");
  }
  return t;
}

py::list arrays_of(TensorMap&& out, const std::vector<runtime::ValueInfo>& order) {
  py::list l;
  for (const auto& v : order) l.append(array_from_tensor(std::move(out.at(v.name))));
  return l;
}

py::list describe(const std::vector<runtime::ValueInfo>& values) {
  py::list l;
  for (const auto& v : values)
    l.append(py::make_tuple(v.name, runtime::to_string(v.dtype), py::cast(v.dims)));
  return l;
}

// Budget refusals name the knob a Python caller has: hycim.Session's keyword.
constexpr const char* kPythonBudgetHint = "max_memory=";

runtime::CalibrationOptions calibration_options(const std::string& method, double percentile,
                                                uint32_t bins) {
  runtime::CalibrationOptions o;
  o.method = runtime::parse_calibration_method(method);
  o.percentile = percentile;
  o.bins = bins;
  runtime::check_calibration_options(o);
  return o;
}

// Calibration samples (dicts name -> array) and the ranges they give `g`,
// computed with the GIL released.
runtime::Ranges calibrate(const runtime::Graph& g, const py::list& calibration,
                          const runtime::CalibrationOptions& options) {
  std::vector<TensorMap> samples;
  for (const auto& s : calibration)
    samples.push_back(tensors_of(s.cast<py::dict>(), "calibration input"));
  py::gil_scoped_release free;
  return runtime::calibrate(g, samples, options);
}

std::map<std::string, std::pair<float, float>> as_pairs(const runtime::Ranges& r) {
  std::map<std::string, std::pair<float, float>> out;
  for (const auto& [k, v] : r) out[k] = {v.lo, v.hi};
  return out;
}

class NativeSession {
 public:
  NativeSession(const py::object& model, const std::string& name,
                const runtime::SessionOptions& options, const py::list& calibration,
                const runtime::CalibrationOptions& calibration_options) {
    runtime::Graph g = load(model, name);
    runtime::Ranges ranges;
    if (!calibration.empty()) ranges = calibrate(g, calibration, calibration_options);
    py::gil_scoped_release free;
    session_ = std::make_unique<runtime::Session>(std::move(g), options);
    if (!calibration.empty()) session_->set_ranges(std::move(ranges));
  }

  py::list run(const py::dict& inputs) {
    TensorMap in = tensors_of(inputs, "input");
    TensorMap out;
    {
      py::gil_scoped_release free;
      std::lock_guard lock(mu_);
      out = session_->run(in);
    }
    return arrays_of(std::move(out), session_->graph().outputs);
  }

  py::list run_many(const py::list& requests, size_t depth) {
    std::vector<TensorMap> in;
    for (const auto& r : requests) in.push_back(tensors_of(r.cast<py::dict>(), "input"));
    std::vector<TensorMap> out;
    {
      py::gil_scoped_release free;
      std::lock_guard lock(mu_);
      out = session_->run_many(in, depth);
    }
    py::list l;
    for (auto& o : out) l.append(arrays_of(std::move(o), session_->graph().outputs));
    return l;
  }

  void load_weights() {
    py::gil_scoped_release free;
    std::lock_guard lock(mu_);
    session_->load();
  }

  std::string stats() {
    py::gil_scoped_release free;
    std::lock_guard lock(mu_);
    return runtime::run_stats_report(*session_).dump();
  }
  std::string pipeline_stats() {
    py::gil_scoped_release free;
    std::lock_guard lock(mu_);
    return runtime::pipeline_stats_report(session_->last_pipeline_stats()).dump();
  }
  py::object usage() {
    std::optional<driver::Usage> u;
    {
      py::gil_scoped_release free;
      std::lock_guard lock(mu_);
      u = session_->device_usage();
    }
    if (!u) return py::none();
    return py::str(cim::usage_report(*u).dump());
  }
  std::map<std::string, std::pair<float, float>> ranges() {
    std::lock_guard lock(mu_);
    return as_pairs(session_->ranges());
  }
  std::map<std::string, double> error_bounds() {
    std::lock_guard lock(mu_);
    return session_->error_bounds();
  }
  std::string plan() {
    std::lock_guard lock(mu_);
    return session_->plan();
  }
  std::string graph_text() {
    std::lock_guard lock(mu_);
    return runtime::dump_graph(session_->graph(), session_->passes());
  }
  std::string device() { return session_->device(); }
  py::list inputs() { return describe(session_->graph().inputs); }
  py::list outputs() { return describe(session_->graph().outputs); }

 private:
  std::unique_ptr<runtime::Session> session_;
  std::mutex mu_;
};

runtime::SessionOptions options_of(const std::string& backend, const std::string& device,
                                   const std::vector<std::string>& more_devices,
                                   const std::string& placement, uint32_t stream_tiles,
                                   bool share_weights) {
  runtime::SessionOptions o;
  o.backend = backend;
  o.device = device;
  o.more_devices = more_devices;
  o.placement.policy = runtime::parse_placement(placement);
  o.placement.stream_tiles = stream_tiles;
  o.placement.share_weights = share_weights;
  o.budget_hint = kPythonBudgetHint;
  return o;
}

}  // namespace

void bind_session(py::module_& m) {
  py::class_<NativeSession>(m, "NativeSession")
      .def(py::init([](const py::object& model, const std::string& name, const std::string& backend,
                       const std::string& device, const std::vector<std::string>& more_devices,
                       const std::string& placement, uint32_t stream_tiles,
                       const py::list& calibration, const std::string& method, double percentile,
                       uint32_t bins, uint64_t max_memory, bool share_weights) {
             // Options are checked before the model is read or anything runs.
             runtime::CalibrationOptions c = calibration_options(method, percentile, bins);
             c.max_memory = max_memory;
             c.budget_hint = kPythonBudgetHint;
             runtime::SessionOptions o =
                 options_of(backend, device, more_devices, placement, stream_tiles, share_weights);
             o.max_memory = max_memory;
             return std::make_unique<NativeSession>(model, name, o, calibration, c);
           }),
           py::arg("model"), py::arg("name"), py::arg("backend"), py::arg("device"),
           py::arg("more_devices"), py::arg("placement"), py::arg("stream_tiles"),
           py::arg("calibration"), py::arg("method"), py::arg("percentile"), py::arg("bins"),
           py::arg("max_memory") = 0, py::arg("share_weights") = false)
      .def("run", &NativeSession::run)
      .def("run_many", &NativeSession::run_many)
      .def("load", &NativeSession::load_weights)
      .def("stats", &NativeSession::stats)
      .def("pipeline_stats", &NativeSession::pipeline_stats)
      .def("usage", &NativeSession::usage)
      .def("ranges", &NativeSession::ranges)
      .def("error_bounds", &NativeSession::error_bounds)
      .def("plan", &NativeSession::plan)
      .def("graph_text", &NativeSession::graph_text)
      .def("device", &NativeSession::device)
      .def("inputs", &NativeSession::inputs)
      .def("outputs", &NativeSession::outputs);

  m.def(
      "model_inputs",
      [](const py::object& model, const std::string& name) {
        return describe(load(model, name).inputs);
      },
      py::arg("model"), py::arg("name"));
  m.def(
      "calibrate",
      [](const py::object& model, const std::string& name, const py::list& calibration,
         const std::string& method, double percentile, uint32_t bins) {
        const runtime::CalibrationOptions c = calibration_options(method, percentile, bins);
        return as_pairs(calibrate(load(model, name), calibration, c));
      },
      py::arg("model"), py::arg("name"), py::arg("calibration"), py::arg("method"),
      py::arg("percentile"), py::arg("bins"));
  m.def(
      "with_ranges",
      [](const py::bytes& model, const std::string& name,
         const std::map<std::string, std::pair<float, float>>& ranges) {
        runtime::Ranges r;
        for (const auto& [k, v] : ranges) r[k] = runtime::Range{v.first, v.second};
        const std::string bytes = model;
        std::string out;
        {
          py::gil_scoped_release free;
          out = runtime::model_bytes_with_metadata(
              bytes, name, {{runtime::kRangesKey, runtime::ranges_to_json(r)}});
        }
        return py::bytes(out);
      },
      py::arg("model"), py::arg("name"), py::arg("ranges"));
}

}  // namespace hycim::python
