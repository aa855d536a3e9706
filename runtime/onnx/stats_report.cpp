#include "runtime/onnx/stats_report.hpp"

namespace hycim::runtime {

nlohmann::json run_stats_report(const Session& s) {
  const RunStats& st = s.last_stats();
  nlohmann::json j = {{"cycles", st.cycles},
                      {"tile_cycles", st.tile_cycles},
                      {"program_cycles", st.program_cycles},
                      {"sim_us", st.sim_us},
                      {"program_sim_us", st.program_sim_us},
                      {"energy_pj", st.energy_pj},
                      {"program_energy_pj", st.program_energy_pj},
                      {"host_us", st.host_us},
                      {"nvm_rows_written", st.nvm_rows_written},
                      {"layers", nlohmann::json::array()}};
  if (const auto residency = s.residency()) {
    j["nvm"] = {{"blocks_programmed", residency->blocks_programmed},
                {"rows_programmed", residency->rows_programmed},
                {"blocks_found", residency->blocks_found},
                {"rows_found", residency->rows_found},
                {"blocks_evicted", residency->blocks_evicted}};
    const auto p = s.placement();
    j["placement"] = {{"policy", to_string(p.chosen)},
                      {"weight_rows", p.weight_rows},
                      {"resident_rows", p.resident_rows},
                      {"streamed_rows", p.streamed_rows},
                      {"stream_tiles", p.stream_tiles},
                      {"stream_region_rows", p.stream_region_rows},
                      {"nvm_rows_written", st.nvm_rows_written},
                      {"wear_per_run", p.wear_per_run()},
                      {"lifetime_runs", p.lifetime_runs()},
                      {"device_rows", p.device_rows},
                      {"used_rows", p.used_rows}};
  }
  for (const auto& l : st.layers)
    j["layers"].push_back({{"node", l.node},
                           {"name", l.name},
                           {"op", l.op},
                           {"device", l.on_device},
                           {"cycles", l.cycles},
                           {"tile_cycles", l.tile_cycles},
                           {"sim_ns", l.sim_ns},
                           {"energy_pj", l.energy_pj},
                           {"program_cycles", l.program_cycles},
                           {"program_sim_ns", l.program_sim_ns},
                           {"program_energy_pj", l.program_energy_pj},
                           {"nvm_rows_written", l.nvm_rows_written},
                           {"host_us", l.host_us}});
  return j;
}

nlohmann::json pipeline_stats_report(const PipelineStats& p) {
  return {{"requests", p.requests},
          {"depth", p.depth},
          {"device_batches", p.device_batches},
          {"mvms", p.mvms},
          {"tile_cycles", p.tile_cycles},
          {"sim_us", p.sim_us},
          {"energy_pj", p.energy_pj},
          {"host_us", p.host_us}};
}

}  // namespace hycim::runtime
