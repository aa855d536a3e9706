#include "runtime/memplan/offload.hpp"

#include "runtime/memplan/plan.hpp"

namespace hycim::memplan {

bool ModelOffloadTarget::accepts(const Trace& tr, int op) const {
  std::uint64_t w = 0;
  for (int id : tr.ops[op].reads)
    if (tr.tensors[id].kind == TensorKind::kWeight) w += tr.tensors[id].bytes;
  return w <= max_weight_bytes_;
}

double ModelOffloadTarget::device_us(const Trace& tr, int op) const {
  return tr.ops[op].compute_us * slowdown_;
}

OffloadChoice choose_offload(const Trace& tr, const OffloadTarget& target) {
  OffloadChoice c;
  c.offloaded.assign(tr.ops.size(), false);
  for (std::size_t j = 0; j < tr.ops.size(); ++j)
    c.offloaded[j] =
        tr.ops[j].phase == Phase::kInference && target.accepts(tr, static_cast<int>(j));
  const auto off = off_gpu_tensors(tr, c.offloaded);
  const auto none = off_gpu_tensors(tr, std::vector<bool>(tr.ops.size(), false));
  for (std::size_t i = 0; i < off.size(); ++i)
    if (off[i] && !none[i]) {
      c.freed.push_back(static_cast<int>(i));
      c.freed_bytes += tr.tensors[i].bytes;
    }
  return c;
}

}  // namespace hycim::memplan
