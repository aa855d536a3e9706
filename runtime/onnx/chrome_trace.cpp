#include "runtime/onnx/chrome_trace.hpp"

#include <algorithm>

namespace hycim::runtime {
namespace {

using nlohmann::json;

constexpr int kHostPid = 1, kDevicePid = 2;
constexpr int kLayerTid = 0;  // device track of whole nodes; tile t is tid t + 1

json name_event(const char* what, int pid, int tid, const std::string& name) {
  return {{"ph", "M"}, {"name", what}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}};
}

json span(const std::string& name, const std::string& cat, int pid, int tid, double ts_us,
          double dur_us, json args) {
  return {{"ph", "X"},  {"name", name}, {"cat", cat},    {"pid", pid},
          {"tid", tid}, {"ts", ts_us},  {"dur", dur_us}, {"args", std::move(args)}};
}

}  // namespace

json chrome_trace(const RunStats& st, const std::string& model, const std::string& device) {
  json ev = json::array();
  ev.push_back(name_event("process_name", kHostPid, 0, "host: " + model));
  ev.push_back(name_event("thread_name", kHostPid, 1, "nodes (wall clock)"));
  ev.push_back(name_event("process_name", kDevicePid, 0, "device (simulated time): " + device));
  ev.push_back(name_event("thread_name", kDevicePid, kLayerTid, "device nodes"));
  size_t tiles = 0;
  for (const LayerStats& l : st.layers) tiles = std::max(tiles, l.tile_cycles.size());
  for (size_t t = 0; t < tiles; ++t)
    ev.push_back(name_event("thread_name", kDevicePid, static_cast<int>(t + 1),
                            "tile " + std::to_string(t)));
  double sim_us = 0, energy_pj = 0;
  for (const LayerStats& l : st.layers) {
    ev.push_back(span(l.node, l.op, kHostPid, 1, l.host_start_us, l.host_us,
                      {{"on_device", l.on_device}, {"cycles", l.cycles}}));
    if (!l.on_device) continue;
    const double dur = l.sim_ns / 1000;
    ev.push_back(span(l.node, l.op, kDevicePid, kLayerTid, sim_us, dur,
                      {{"cycles", l.cycles}, {"energy_pj", l.energy_pj}}));
    // A tile is drawn busy for its share of the node: its cycles over the
    // slowest tile's, which sets the node's length.
    for (size_t t = 0; t < l.tile_cycles.size(); ++t)
      if (l.tile_cycles[t] > 0)
        ev.push_back(span(l.node, l.op, kDevicePid, static_cast<int>(t + 1), sim_us,
                          dur * static_cast<double>(l.tile_cycles[t]) /
                              static_cast<double>(std::max<uint64_t>(l.cycles, 1)),
                          {{"cycles", l.tile_cycles[t]}}));
    energy_pj += l.energy_pj;
    sim_us += dur;
    ev.push_back({{"ph", "C"},
                  {"name", "energy (pJ)"},
                  {"pid", kDevicePid},
                  {"ts", sim_us},
                  {"args", {{"cumulative", energy_pj}}}});
  }
  return {{"traceEvents", ev},
          {"displayTimeUnit", "ns"},
          {"otherData",
           {{"model", model},
            {"device", device},
            {"cycles", st.cycles},
            {"sim_us", st.sim_us},
            {"energy_pj", st.energy_pj},
            {"host_us", st.host_us}}}};
}

}  // namespace hycim::runtime
