#include "runtime/onnx/classify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace hycim::runtime {

namespace {

// Index of the largest score of row j.
size_t argmax(const Tensor& scores, size_t j) {
  const auto classes = static_cast<size_t>(scores.shape().back());
  size_t best = 0;
  for (size_t c = 1; c < classes; ++c)
    if (scores.as_double(static_cast<int64_t>(j * classes + c)) >
        scores.as_double(static_cast<int64_t>(j * classes + best)))
      best = c;
  return best;
}

}  // namespace

ClassifyResult classify(Session& s, const Tensor& x, const Tensor& labels, size_t batch,
                        size_t pipeline) {
  if (s.graph().inputs.size() != 1 || s.graph().outputs.empty())
    throw RuntimeError("classify: the model needs one input and an output of class scores");
  if (x.rank() < 2 || labels.size() != x.shape()[0])
    throw RuntimeError(fmt::format("classify: {} samples for {} labels",
                                   x.rank() ? x.shape()[0] : 0, labels.size()));
  const auto n = static_cast<size_t>(x.shape()[0]),
             per = static_cast<size_t>(x.size()) / std::max<size_t>(n, 1);
  const auto& xv = x.values<float>();
  ClassifyResult r;
  uint64_t cycles = 0, tile_cycles = 0;
  double sim_us = 0, energy_pj = 0;
  auto request = [&](size_t i) {
    const size_t b = std::min(batch, n - i);
    Shape shape = x.shape();
    shape[0] = static_cast<int64_t>(b);
    Tensor in(shape, std::vector<float>(xv.begin() + static_cast<ptrdiff_t>(i * per),
                                        xv.begin() + static_cast<ptrdiff_t>((i + b) * per)));
    return TensorMap{{s.graph().inputs[0].name, std::move(in)}};
  };
  auto score = [&](const TensorMap& out, size_t i) {
    const Tensor& scores = out.at(s.graph().outputs[0].name);
    for (size_t j = 0; j < static_cast<size_t>(scores.shape()[0]); ++j)
      r.correct +=
          static_cast<int64_t>(argmax(scores, j)) == labels.as_int(static_cast<int64_t>(i + j));
  };
  const double dn = static_cast<double>(std::max<size_t>(n, 1));
  const auto start = std::chrono::steady_clock::now();
  if (pipeline > 1) {
    std::vector<TensorMap> requests;
    for (size_t i = 0; i < n; i += batch) requests.push_back(request(i));
    const auto outs = s.run_many(requests, pipeline);
    for (size_t k = 0; k < outs.size(); ++k) score(outs[k], k * batch);
    const PipelineStats& p = s.last_pipeline_stats();
    r.host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.samples = n;
    r.cycles_per_inference = static_cast<double>(p.tile_cycles) / dn;
    r.tile_cycles_per_inference = static_cast<double>(p.tile_cycles) / dn;
    r.sim_us_per_inference = p.sim_us / dn;
    r.energy_nj_per_inference = p.energy_pj / 1000.0 / dn;
    r.device_batches = p.device_batches;
    return r;
  }
  for (size_t i = 0; i < n; i += batch) {
    const TensorMap out = s.run(request(i));
    score(out, i);
    const RunStats& st = s.last_stats();
    cycles += st.cycles, tile_cycles += st.tile_cycles, sim_us += st.sim_us;
    r.program_cycles += st.program_cycles;
    energy_pj += st.energy_pj;
  }
  r.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = n;
  r.cycles_per_inference = static_cast<double>(cycles) / dn;
  r.tile_cycles_per_inference = static_cast<double>(tile_cycles) / dn;
  r.sim_us_per_inference = sim_us / dn;
  r.energy_nj_per_inference = energy_pj / 1000.0 / dn;
  return r;
}

}  // namespace hycim::runtime
