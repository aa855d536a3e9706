#include "runtime/memplan/trace.hpp"

#include <fmt/format.h>

#include <unordered_map>

namespace hycim::memplan {

int Trace::tensor_id(const std::string& name) const {
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == name) return static_cast<int>(i);
  return -1;
}

double Trace::total_compute_us() const {
  double t = 0;
  for (const auto& op : ops) t += op.compute_us;
  return t;
}

bool is_persistent(TensorKind k) {
  return k == TensorKind::kWeight || k == TensorKind::kInput || k == TensorKind::kWeightGrad;
}

const char* to_string(TensorKind k) {
  switch (k) {
    case TensorKind::kWeight:
      return "weight";
    case TensorKind::kInput:
      return "input";
    case TensorKind::kWeightGrad:
      return "weight_grad";
    case TensorKind::kActivation:
      return "activation";
    case TensorKind::kGradient:
      return "gradient";
    case TensorKind::kWorkspace:
      return "workspace";
  }
  return "?";
}

const char* to_string(Phase p) {
  switch (p) {
    case Phase::kForward:
      return "forward";
    case Phase::kBackward:
      return "backward";
    case Phase::kInference:
      return "inference";
  }
  return "?";
}

namespace {

void check_tensor(const Tensor& t) {
  if (t.name.empty()) throw MemplanError("trace: a tensor has an empty name");
  if (t.bytes == 0) throw MemplanError(fmt::format("trace: tensor '{}' has 0 bytes", t.name));
  if (!(t.sparsity >= 0.0 && t.sparsity <= 1.0))
    throw MemplanError(
        fmt::format("trace: tensor '{}' sparsity {} is outside [0, 1]", t.name, t.sparsity));
}

void check_id(const Trace& tr, const Op& op, int id) {
  if (id < 0 || id >= static_cast<int>(tr.tensors.size()))
    throw MemplanError(
        fmt::format("trace: op '{}' refers to tensor id {} of {}", op.name, id, tr.tensors.size()));
}

// Plans, Chrome traces and device profiles name ops and tensors, so a name
// given twice would make them read against the wrong one.
template <typename Item>
void check_unique_names(const std::vector<Item>& items, const char* what) {
  std::unordered_map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto [it, fresh] = first.emplace(items[i].name, i);
    if (!fresh)
      throw MemplanError(fmt::format("trace: {} name '{}' appears twice ({} #{} and {} #{})", what,
                                     items[i].name, what, it->second, what, i));
  }
}

}  // namespace

std::vector<Lifetime> analyze(const Trace& tr) {
  if (tr.ops.empty()) throw MemplanError("trace: no ops");
  for (const auto& t : tr.tensors) check_tensor(t);
  check_unique_names(tr.tensors, "tensor");
  check_unique_names(tr.ops, "op");
  std::vector<Lifetime> lt(tr.tensors.size());
  for (int j = 0; j < static_cast<int>(tr.ops.size()); ++j) {
    const Op& op = tr.ops[j];
    if (!(op.compute_us >= 0.0))
      throw MemplanError(fmt::format("trace: op '{}' has negative compute time", op.name));
    const bool fwd = op.phase != Phase::kBackward;
    for (int id : op.reads) {
      check_id(tr, op, id);
      const Tensor& t = tr.tensors[id];
      if (!is_persistent(t.kind) && lt[id].producer < 0)
        throw MemplanError(fmt::format("trace: op '{}' reads tensor '{}' before any op writes it",
                                       op.name, t.name));
      lt[id].last_use = j;
      if (fwd) lt[id].last_fwd_use = j;
      if (!fwd && lt[id].first_bwd_use < 0) lt[id].first_bwd_use = j;
    }
    for (int id : op.writes) {
      check_id(tr, op, id);
      const Tensor& t = tr.tensors[id];
      if (is_persistent(t.kind)) continue;  // weight updates, gradient accumulation
      if (lt[id].producer >= 0)
        throw MemplanError(fmt::format("trace: tensor '{}' is written by op '{}' and op '{}'",
                                       t.name, tr.ops[lt[id].producer].name, op.name));
      lt[id].producer = j;
      lt[id].last_use = j;
      if (fwd) lt[id].last_fwd_use = j;
    }
  }
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    const Tensor& t = tr.tensors[i];
    Lifetime& l = lt[i];
    if (is_persistent(t.kind)) continue;
    if (l.producer < 0)
      throw MemplanError(fmt::format("trace: tensor '{}' is never written", t.name));
    const Op& prod = tr.ops[l.producer];
    l.managed = t.kind == TensorKind::kActivation && prod.phase == Phase::kForward &&
                l.first_bwd_use > l.last_fwd_use;
    l.recompute_us = t.recompute_us >= 0 ? t.recompute_us : prod.compute_us;
  }
  return lt;
}

std::uint64_t persistent_bytes(const Trace& tr) {
  std::uint64_t b = 0;
  for (const auto& t : tr.tensors)
    if (is_persistent(t.kind)) b += t.bytes;
  return b;
}

}  // namespace hycim::memplan
