// libFuzzer target: an ONNX model as `hycim run` takes it (runtime/onnx):
// load_model_bytes (protobuf parse, the ONNX checker, shape inference, the
// runtime's graph of it), the graph passes and QDQ fusion on a copy, then a
// Session on the CPU backend (the passes again, the operator checks, the
// hycim.ranges metadata) and, when every input has a static shape of at
// most kMaxRunElements elements in all, one run on a fixed pattern. A
// refusal must be a RuntimeError with a message; anything else, and any
// allocation over the fuzzer's -malloc_limit_mb (a small model naming a huge
// shape), is a finding. The runtime's tensor size limit is set to
// kMaxElements, so that a tensor within it (8-byte elements) stays under the
// fuzzer's 64 MiB: whatever allocates more did not ask the limit.
//
// Input: the model's bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "runtime/onnx/error.hpp"
#include "runtime/onnx/graph.hpp"
#include "runtime/onnx/graph_passes.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/op_util.hpp"
#include "runtime/onnx/qdq_fusion.hpp"
#include "runtime/onnx/session.hpp"
#include "runtime/onnx/tensor.hpp"

namespace {

using namespace hycim::runtime;

constexpr int64_t kMaxRunElements = 4096;
constexpr int64_t kMaxElements = int64_t{1} << 22;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "onnx_model_fuzz: %s\n", what);
  std::abort();
}

const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

// Small values of every sign, so a run reaches more than the all-zero path
// (divisions, logarithms and indices included: those must refuse or give a
// value, never crash).
Tensor pattern(const ValueInfo& v) {
  Tensor t(v.dtype, v.dims);
  with_type(v.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      auto& x = t.values<T>();
      for (size_t i = 0; i < x.size(); ++i) {
        const int k = static_cast<int>(i % 5);
        if constexpr (std::is_floating_point_v<T>)
          x[i] = static_cast<T>(0.5 * k - 0.75);
        else if constexpr (std::is_signed_v<T>)
          x[i] = static_cast<T>(k - 2);
        else
          x[i] = static_cast<T>(k);
      }
    }
  });
  return t;
}

// The graph inputs as one run takes them, or false when some shape is
// symbolic or the inputs are too large to run on every input.
bool small_inputs(const Graph& g, TensorMap& inputs) {
  int64_t total = 0;
  for (const ValueInfo& v : g.inputs) {
    int64_t n = 1;
    for (int64_t d : v.dims) {
      if (d < 0 || (d > 0 && n > kMaxRunElements / d)) return false;
      n *= d;
    }
    total += n;
    if (total > kMaxRunElements) return false;
    inputs.emplace(v.name, pattern(v));
  }
  return true;
}

template <class F>
bool refused(const char* what, F&& f) {
  try {
    f();
    if (kVerbose) std::fprintf(stderr, "%s: done\n", what);
    return false;
  } catch (const RuntimeError& e) {
    if (e.what()[0] == '\0') fail("refused without a message");
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", what, e.what());
    return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool limited = (set_max_tensor_elements(kMaxElements), true);
  (void)limited;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  Graph graph;
  if (refused("load", [&] { graph = load_model_bytes(bytes, "fuzz.onnx"); })) return 0;
  if (kVerbose)
    std::fprintf(stderr, "loaded: opset %lld, %zu nodes, %zu initializers, %zu inputs\n",
                 static_cast<long long>(graph.opset), graph.nodes.size(), graph.initializers.size(),
                 graph.inputs.size());
  // The passes and the fusion the tiles backend runs, on a copy: the CPU
  // session below does not fuse.
  (void)refused("passes and QDQ fusion", [&] {
    Graph g = graph;
    const PassSummary s = optimize_graph(g);
    (void)fuse_qdq(g);
    (void)dump_graph(g, s);
  });
  TensorMap inputs;
  const bool run = small_inputs(graph, inputs);
  SessionOptions options;
  options.backend = "cpu";
  std::unique_ptr<Session> session;
  if (refused("session", [&] { session = std::make_unique<Session>(std::move(graph), options); }))
    return 0;
  if (!run) return 0;
  (void)refused("run", [&] {
    const TensorMap out = session->run(inputs);
    for (const auto& [name, t] : out)
      if (t.size() < 0) fail("an output with a negative size");
  });
  return 0;
}
