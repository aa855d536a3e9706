#include "runtime/onnx/classify.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace hycim::runtime {

ClassifyResult classify(Session& s, const Tensor& x, const Tensor& labels, size_t batch) {
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
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; i += batch) {
    const size_t b = std::min(batch, n - i);
    Shape shape = x.shape();
    shape[0] = static_cast<int64_t>(b);
    Tensor in(shape, std::vector<float>(xv.begin() + static_cast<ptrdiff_t>(i * per),
                                        xv.begin() + static_cast<ptrdiff_t>((i + b) * per)));
    const TensorMap out = s.run({{s.graph().inputs[0].name, std::move(in)}});
    const Tensor& scores = out.at(s.graph().outputs[0].name);
    const auto classes = static_cast<size_t>(scores.shape().back());
    for (size_t j = 0; j < b; ++j) {
      size_t best = 0;
      for (size_t c = 1; c < classes; ++c)
        if (scores.as_double(static_cast<int64_t>(j * classes + c)) >
            scores.as_double(static_cast<int64_t>(j * classes + best)))
          best = c;
      r.correct += static_cast<int64_t>(best) == labels.as_int(static_cast<int64_t>(i + j));
    }
    const RunStats& st = s.last_stats();
    cycles += st.cycles, tile_cycles += st.tile_cycles, sim_us += st.sim_us;
    r.program_cycles += st.program_cycles;
    energy_pj += st.energy_pj;
  }
  r.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.samples = n;
  const double dn = static_cast<double>(std::max<size_t>(n, 1));
  r.cycles_per_inference = static_cast<double>(cycles) / dn;
  r.tile_cycles_per_inference = static_cast<double>(tile_cycles) / dn;
  r.sim_us_per_inference = sim_us / dn;
  r.energy_nj_per_inference = energy_pj / 1000.0 / dn;
  return r;
}

}  // namespace hycim::runtime
