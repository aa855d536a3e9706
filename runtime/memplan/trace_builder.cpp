#include "runtime/memplan/trace_builder.hpp"

#include <map>

namespace hycim::memplan {

TraceBuilder::TraceBuilder(std::string network, int batch, Hardware hw) : hw_(hw) {
  tr_.network = std::move(network);
  tr_.batch = batch;
}

int TraceBuilder::add_tensor(const std::string& name, TensorKind kind, std::uint64_t bytes,
                             double sparsity) {
  tr_.tensors.push_back({name, kind, bytes, sparsity, -1.0});
  return static_cast<int>(tr_.tensors.size()) - 1;
}

double TraceBuilder::bytes_of(const std::vector<int>& ids) const {
  double b = 0;
  for (int id : ids) b += static_cast<double>(tr_.tensors[id].bytes);
  return b;
}

int TraceBuilder::input(const std::string& name, std::uint64_t bytes) {
  return add_tensor(name, TensorKind::kInput, bytes, 0.0);
}

int TraceBuilder::layer(const std::string& name, const std::vector<int>& inputs,
                        std::uint64_t weight_bytes, double flops, std::uint64_t out_bytes,
                        double sparsity) {
  const int w = weight_bytes ? add_tensor(name + ".w", TensorKind::kWeight, weight_bytes, 0) : -1;
  const int out = add_tensor(name + ".out", TensorKind::kActivation, out_bytes, sparsity);
  Op op;
  op.name = name;
  op.phase = inference_ ? Phase::kInference : Phase::kForward;
  op.reads = inputs;
  if (w >= 0) op.reads.push_back(w);
  op.writes = {out};
  op.compute_us = hw_.op_us(flops, bytes_of(op.reads) + static_cast<double>(out_bytes));
  tr_.ops.push_back(op);
  if (!inference_) layers_.push_back({static_cast<int>(tr_.ops.size()) - 1, inputs, w, out, flops});
  return out;
}

Trace TraceBuilder::finish(int logits, const std::vector<int>& extra) {
  const std::uint64_t lb = tr_.tensors[logits].bytes;
  const int loss = add_tensor("loss", TensorKind::kActivation, 4, 0);
  Op fwd{"loss", Phase::kForward, hw_.op_us(0, static_cast<double>(lb)), {logits}, {loss}};
  for (int e : extra) fwd.reads.push_back(e);
  tr_.ops.push_back(fwd);
  // Gradients flowing into each activation, one tensor per consumer, so every
  // tensor keeps a single writer; a producer's backward reads them all.
  std::map<int, std::vector<int>> grads_of;
  const int glogits = add_tensor("loss.grad", TensorKind::kGradient, lb, 0);
  Op lback{"loss.backward", Phase::kBackward, hw_.op_us(0, 2.0 * lb), fwd.reads, {glogits}};
  lback.reads.push_back(loss);
  tr_.ops.push_back(lback);
  grads_of[logits].push_back(glogits);
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) {
    const Op& f = tr_.ops[it->op];
    Op b{f.name + ".backward", Phase::kBackward, 0, {}, {}};
    b.reads = grads_of[it->output];
    b.reads.push_back(it->output);  // ReLU-style backward needs the output too
    for (int x : it->inputs) b.reads.push_back(x);
    if (it->weight >= 0) {
      b.reads.push_back(it->weight);
      b.writes.push_back(
          add_tensor(f.name + ".wgrad", TensorKind::kWeightGrad, tr_.tensors[it->weight].bytes, 0));
    }
    for (std::size_t i = 0; i < it->inputs.size(); ++i) {
      const int x = it->inputs[i];
      if (tr_.tensors[x].kind != TensorKind::kActivation) continue;  // no gradient for inputs
      const int g = add_tensor(f.name + ".grad" + std::to_string(i), TensorKind::kGradient,
                               tr_.tensors[x].bytes, 0);
      b.writes.push_back(g);
      grads_of[x].push_back(g);
    }
    double out_bytes = 0;
    for (int g : b.writes) out_bytes += static_cast<double>(tr_.tensors[g].bytes);
    b.compute_us = hw_.op_us(2.0 * it->flops, bytes_of(b.reads) + out_bytes);
    tr_.ops.push_back(std::move(b));
  }
  Trace out = std::move(tr_);
  analyze(out);
  return out;
}

}  // namespace hycim::memplan
