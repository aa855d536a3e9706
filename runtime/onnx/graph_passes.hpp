// Rewrites of a loaded graph before it runs, each a named pass that returns
// how many nodes it changed. A Session runs them all (optimize_graph) before
// checking operators and placing weights, so weights held in Constant nodes
// or behind a BatchNormalization reach NVM as weights, and what only
// depends on constants never runs per inference:
//   remove_identities   Identity, and Dropout whose mask nobody reads
//   fold_constants      nodes whose inputs are all constant (Constant nodes,
//                       Shape of a statically shaped value, then whatever
//                       computes on those) become initializers; host
//                       operators only, QuantizeLinear of a weight too,
//                       never DequantizeLinear (QDQ fusion reads it) nor
//                       random ones
//   fold_batch_norms    BatchNormalization after a Conv or Gemm with constant
//                       weights, whose output only it reads, is merged into
//                       them (weights scaled per output channel, bias moved)
//   remove_dead_nodes   nodes and initializers no graph output depends on
// Node indices stay those of the model file, so messages name nodes as the
// user's tools number them.
#pragma once
#include <string>

#include "runtime/onnx/graph.hpp"

namespace hycim::runtime {

struct PassSummary {
  int identities = 0, constants = 0, batch_norms = 0, dead = 0;
};

int remove_identities(Graph& g);
int fold_constants(Graph& g);
int fold_batch_norms(Graph& g);
int remove_dead_nodes(Graph& g);

// All four, in that order.
PassSummary optimize_graph(Graph& g);

// The graph as it runs: one line per node with its inputs, outputs, and
// whether it runs on the device or the host; then the passes' summary.
std::string dump_graph(const Graph& g, const PassSummary& passes);

}  // namespace hycim::runtime
