#include "runtime/onnx/graph_passes.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "runtime/onnx/backend.hpp"
#include "runtime/onnx/kernel.hpp"
#include "runtime/onnx/op_util.hpp"

namespace hycim::runtime {
namespace {

std::set<std::string> graph_output_names(const Graph& g) {
  std::set<std::string> out;
  for (const ValueInfo& v : g.outputs) out.insert(v.name);
  return out;
}

// How many node inputs read each value.
std::map<std::string, int> consumer_counts(const Graph& g) {
  std::map<std::string, int> n;
  for (const Node& node : g.nodes)
    for (const auto& in : node.inputs)
      if (!in.empty()) ++n[in];
  return n;
}

const Tensor* constant(const Graph& g, const std::string& name) {
  auto it = g.initializers.find(name);
  return it == g.initializers.end() ? nullptr : &it->second;
}

// A fresh initializer name derived from `base`.
std::string fresh_name(const Graph& g, const std::string& base) {
  std::string name = base;
  for (int i = 1; g.initializers.count(name); ++i) name = fmt::format("{}_{}", base, i);
  return name;
}

// QuantizeLinear of a constant folds: that is how PyTorch exports a
// fake-quantized weight (float, QuantizeLinear, DequantizeLinear), and the
// folded 8-bit initializer is what QDQ fusion puts on the tiles as it is.
// DequantizeLinear never does, as fusion reads it.
bool foldable(const Node& n) {
  static const std::set<std::string> never = {
      "DequantizeLinear",  "RandomNormal", "RandomUniform", "RandomNormalLike",
      "RandomUniformLike", "Bernoulli",    "Multinomial"};
  return (n.domain.empty() || n.domain == "ai.onnx") && kernel_table().count(n.op_type) &&
         n.op_type.rfind("hycim.", 0) != 0 && !never.count(n.op_type) && !runs_on_device(n.op_type);
}

// The value a Shape node reads, when its dimensions are all known.
bool static_shape(const Graph& g, const std::string& name, Shape& dims) {
  auto it = g.values.find(name);
  if (it == g.values.end()) return false;
  for (int64_t d : it->second.dims)
    if (d < 0) return false;
  dims = it->second.dims;
  return true;
}

std::vector<double> values_of(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.size()));
  for (int64_t i = 0; i < t.size(); ++i) v[static_cast<size_t>(i)] = t.as_double(i);
  return v;
}

}  // namespace

int remove_identities(Graph& g) {
  const auto outputs = graph_output_names(g);
  const auto uses = consumer_counts(g);
  std::map<std::string, std::string> alias;  // removed output -> what it copied
  auto resolve = [&](std::string name) {
    for (auto it = alias.find(name); it != alias.end(); it = alias.find(name)) name = it->second;
    return name;
  };
  const size_t before = g.nodes.size();
  std::erase_if(g.nodes, [&](const Node& n) {
    // Dropout is a copy at inference unless training_mode (input 2) is given.
    const bool copy = n.op_type == "Identity" ||
                      (n.op_type == "Dropout" && (n.inputs.size() < 3 || n.inputs[2].empty()) &&
                       (n.outputs.size() < 2 || n.outputs[1].empty() || !uses.count(n.outputs[1])));
    if (!copy || n.inputs.empty() || n.inputs[0].empty() || outputs.count(n.outputs[0]))
      return false;
    alias[n.outputs[0]] = n.inputs[0];
    return true;
  });
  for (Node& n : g.nodes)
    for (auto& in : n.inputs)
      if (!in.empty()) in = resolve(in);
  return static_cast<int>(before - g.nodes.size());
}

int fold_constants(Graph& g) {
  const auto outputs = graph_output_names(g);
  auto cpu = make_cpu_backend();
  int folded = 0;
  std::erase_if(g.nodes, [&](const Node& n) {
    if (!foldable(n)) return false;
    for (const auto& o : n.outputs)
      if (outputs.count(o)) return false;
    std::vector<Tensor> out(n.outputs.size());
    if (n.op_type == "Shape") {
      Shape dims;
      if (n.inputs.empty() || !static_shape(g, n.inputs[0], dims)) return false;
      // From the dimensions alone: a tensor of them may be far too large to
      // make (a declared input of [100000, 100000]).
      out[0] = shape_output(n, dims);
    } else {
      ExecContext ctx{n,    g.opset, {},     {}, std::vector<Tensor>(n.outputs.size()),
                      *cpu, nullptr, nullptr};
      for (const auto& in : n.inputs) {
        const Tensor* t = in.empty() ? nullptr : constant(g, in);
        if (!in.empty() && !t) return false;
        ctx.in.push_back(t);
        ctx.in_const.push_back(true);
      }
      try {
        kernel_table().at(n.op_type)(ctx);
      } catch (const std::exception&) {
        return false;  // left to run (and report its error) as a node
      }
      out = std::move(ctx.out);
    }
    for (size_t i = 0; i < n.outputs.size(); ++i)
      if (!n.outputs[i].empty()) g.initializers[n.outputs[i]] = std::move(out[i]);
    ++folded;
    return true;
  });
  return folded;
}

int fold_batch_norms(Graph& g) {
  const auto outputs = graph_output_names(g);
  const auto uses = consumer_counts(g);
  std::map<std::string, Node*> producer;
  for (Node& n : g.nodes)
    for (const auto& o : n.outputs) producer[o] = &n;
  std::set<size_t> merged;  // indices of BatchNormalization nodes folded away
  for (Node& bn : g.nodes) {
    if (bn.op_type != "BatchNormalization" || bn.attr_int("training_mode", 0) ||
        bn.inputs.size() < 5)
      continue;
    if (bn.outputs.size() > 1 && std::any_of(bn.outputs.begin() + 1, bn.outputs.end(),
                                             [](const std::string& o) { return !o.empty(); }))
      continue;
    auto it = producer.find(bn.inputs[0]);
    if (it == producer.end()) continue;
    Node& p = *it->second;
    if ((p.op_type != "Conv" && p.op_type != "Gemm") || uses.at(bn.inputs[0]) != 1 ||
        outputs.count(bn.inputs[0]) || p.inputs.size() < 2)
      continue;
    const Tensor* w = constant(g, p.inputs[1]);
    const Tensor* bias =
        p.inputs.size() > 2 && !p.inputs[2].empty() ? constant(g, p.inputs[2]) : nullptr;
    const Tensor *scale = constant(g, bn.inputs[1]), *shift = constant(g, bn.inputs[2]),
                 *mean = constant(g, bn.inputs[3]), *var = constant(g, bn.inputs[4]);
    if (!w || w->dtype() != DType::kFloat || !scale || !shift || !mean || !var) continue;
    if (p.inputs.size() > 2 && !p.inputs[2].empty() && (!bias || bias->dtype() != DType::kFloat))
      continue;
    const bool gemm = p.op_type == "Gemm";
    const bool trans_b = p.attr_int("transB", 0) != 0;
    if (gemm && (w->rank() != 2 || p.attr_int("transA", 0))) continue;
    const int64_t channels = gemm ? w->shape()[trans_b ? 0 : 1] : w->shape()[0];
    if (scale->size() != channels || shift->size() != channels || mean->size() != channels ||
        var->size() != channels)
      continue;
    const double beta = gemm ? p.attr_float("beta", 1.0f) : 1.0;
    if (bias && bias->size() != channels && bias->size() != 1) continue;
    // y = s (x - mean) + shift with s = scale / sqrt(var + eps): weights of
    // output channel c times s[c], bias (beta b - mean) s + shift.
    const double eps = bn.attr_float("epsilon", 1e-5f);
    const auto sc = values_of(*scale), sh = values_of(*shift), mu = values_of(*mean),
               va = values_of(*var);
    std::vector<double> s(static_cast<size_t>(channels));
    for (size_t c = 0; c < s.size(); ++c) s[c] = sc[c] / std::sqrt(va[c] + eps);
    Tensor nw = *w;
    auto& wv = nw.values<float>();
    const size_t per = wv.size() / static_cast<size_t>(channels);
    for (size_t i = 0; i < wv.size(); ++i) {
      const size_t c = gemm && !trans_b ? i % static_cast<size_t>(channels) : i / per;
      wv[i] = static_cast<float>(wv[i] * s[c]);
    }
    Tensor nb(DType::kFloat, {channels});
    for (size_t c = 0; c < s.size(); ++c) {
      const double b = bias ? bias->as_double(bias->size() == 1 ? 0 : static_cast<int64_t>(c)) : 0;
      nb.values<float>()[c] = static_cast<float>((beta * b - mu[c]) * s[c] + sh[c]);
    }
    const std::string wn = fresh_name(g, p.inputs[1] + "/bn_folded"),
                      bname = fresh_name(g, (p.name.empty() ? bn.outputs[0] : p.name) + "/bn_bias");
    g.initializers[wn] = std::move(nw);
    g.initializers[bname] = std::move(nb);
    p.inputs.resize(3);
    p.inputs[1] = wn, p.inputs[2] = bname;
    if (gemm) p.attrs["beta"].f = 1.0f;
    p.outputs[0] = bn.outputs[0];
    merged.insert(bn.index);
  }
  std::erase_if(g.nodes, [&](const Node& n) {
    return n.op_type == "BatchNormalization" && merged.count(n.index);
  });
  return static_cast<int>(merged.size());
}

int remove_dead_nodes(Graph& g) {
  std::set<std::string> needed = graph_output_names(g);
  std::vector<bool> keep(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& n = g.nodes[i];
    keep[i] = std::any_of(n.outputs.begin(), n.outputs.end(),
                          [&](const std::string& o) { return !o.empty() && needed.count(o); });
    if (keep[i]) needed.insert(n.inputs.begin(), n.inputs.end());
  }
  size_t i = 0;
  const size_t before = g.nodes.size();
  std::erase_if(g.nodes, [&](const Node&) { return !keep[i++]; });
  std::erase_if(g.initializers, [&](const auto& kv) { return !needed.count(kv.first); });
  return static_cast<int>(before - g.nodes.size());
}

PassSummary optimize_graph(Graph& g) {
  PassSummary s;
  s.identities = remove_identities(g);
  s.constants = fold_constants(g);
  s.batch_norms = fold_batch_norms(g);
  s.dead = remove_dead_nodes(g);
  return s;
}

std::string dump_graph(const Graph& g, const PassSummary& passes) {
  std::string out = fmt::format("{} (opset {}): {} nodes, {} initializers\n", g.source, g.opset,
                                g.nodes.size(), g.initializers.size());
  for (const Node& n : g.nodes) {
    std::vector<std::string> ins;
    for (const auto& in : n.inputs)
      ins.push_back(in.empty() ? "-" : g.initializers.count(in) ? in + "(const)" : in);
    out += fmt::format("  {:<6} {}: {} -> {}\n", runs_on_device(n.op_type) ? "device" : "host",
                       n.label(), fmt::join(ins, ", "), fmt::join(n.outputs, ", "));
  }
  out += fmt::format(
      "passes: {} identities removed, {} constant nodes folded, {} batch norms folded, {} dead "
      "nodes removed\n",
      passes.identities, passes.constants, passes.batch_norms, passes.dead);
  return out;
}

}  // namespace hycim::runtime
