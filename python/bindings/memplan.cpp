// hycim.memplan's native half: plan a training step's GPU memory from its
// trace (JSON), with inference ops offloaded at the device's own figures
// (a hycim-device-profile) or not offloaded at all, and replay the plan.
#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "python/bindings/bindings.hpp"
#include "runtime/memplan/device_offload.hpp"
#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/trace_json.hpp"
#include "runtime/onnx/error.hpp"

namespace hycim::python {
namespace {

nlohmann::json parse(const std::string& text, const char* what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) throw runtime::RuntimeError(std::string(what) + ": not valid JSON");
  return j;
}

// The memplan layer reports bad traces, plans and profiles as
// std::runtime_error; here they become hycim.Error like the rest.
template <typename F>
auto checked(F&& f) {
  try {
    return f();
  } catch (const runtime::RuntimeError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw runtime::RuntimeError(e.what());
  }
}

}  // namespace

void bind_memplan(py::module_& m) {
  m.def(
      "memplan_evaluate",
      [](const std::string& trace_json, const std::string& planner, uint64_t budget,
         double fraction, const std::string& profile_json, const std::string& hardware_json,
         double time_limit_s) {
        return checked([&] {
          const memplan::Trace trace = memplan::trace_from_json(parse(trace_json, "trace"));
          const auto lt = memplan::analyze(trace);
          memplan::EvalSettings s;
          if (!hardware_json.empty())
            s.hw = memplan::hardware_from_json(parse(hardware_json, "hardware"));
          s.time_limit_s = time_limit_s;
          std::unique_ptr<memplan::DeviceOffloadTarget> target;
          if (!profile_json.empty()) {
            target =
                std::make_unique<memplan::DeviceOffloadTarget>(memplan::device_profile_from_json(
                    parse(profile_json, "device profile"), "device profile"));
            s.offload = target.get();
          }
          if (budget == 0)
            budget = static_cast<uint64_t>(double(memplan::unmanaged_peak(trace, lt)) *
                                           (fraction > 0 ? fraction : 1.0));
          memplan::Evaluation e;
          {
            py::gil_scoped_release free;
            e = memplan::evaluate(trace, lt, planner, budget, s);
          }
          return memplan::evaluation_to_json(e, &trace).dump();
        });
      },
      py::arg("trace"), py::arg("planner"), py::arg("budget"), py::arg("fraction"),
      py::arg("profile"), py::arg("hardware"), py::arg("time_limit_s"));
  m.def(
      "memplan_unmanaged_peak",
      [](const std::string& trace_json) {
        return checked([&] {
          const memplan::Trace trace = memplan::trace_from_json(parse(trace_json, "trace"));
          return memplan::unmanaged_peak(trace, memplan::analyze(trace));
        });
      },
      py::arg("trace"));
}

}  // namespace hycim::python
