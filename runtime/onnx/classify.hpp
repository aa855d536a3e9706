// Accuracy of a classifier over a labelled test set, with per-inference device
// figures: what `hycim classify`, its test and the runtime benchmark measure.
#pragma once
#include <cstdint>

#include "runtime/onnx/session.hpp"

namespace hycim::runtime {

struct ClassifyResult {
  size_t samples = 0, correct = 0;
  double accuracy() const {
    return samples ? static_cast<double>(correct) / static_cast<double>(samples) : 0;
  }
  double cycles_per_inference = 0;  // device latency (slowest tile per layer, layers in sequence)
  double tile_cycles_per_inference = 0;  // MVM cycles over all tiles
  double sim_us_per_inference = 0;
  double energy_nj_per_inference = 0;  // MVMs only (programming excluded)
  uint64_t program_cycles = 0;         // NVM programming (first run)
  double host_seconds = 0;             // wall time of all runs
  uint64_t device_batches = 0;         // pipelined: device command batches
};

// Runs `x` ([N, ...], float) through the session's single input in batches of
// `batch` rows, takes the argmax of the first output's last axis and compares
// with `labels` (int64 [N]). With `pipeline` > 1 the batches are requests of
// one Session::run_many, that many in flight: the per-inference device
// figures are then those of the whole set over N (cycles_per_inference is
// the tiles' work, as latency has no meaning per request in a pipeline).
ClassifyResult classify(Session& s, const Tensor& x, const Tensor& labels, size_t batch = 1,
                        size_t pipeline = 1);

}  // namespace hycim::runtime
