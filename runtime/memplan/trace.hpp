// Tensor-access trace: the planner's one input. Operators in execution order,
// each with its compute time and the tensors it reads and writes; tensors with
// size, kind and measured sparsity. Everything the planners need (lifetimes,
// which activations are worth managing) is derived from it here, once.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace hycim::memplan {

// Errors in a trace, a plan or a budget; the message names the item at fault.
struct MemplanError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Persistent kinds (weight, input, weight_grad) stay resident the whole
// iteration; the others live from their one writer to their last reader.
enum class TensorKind { kWeight, kInput, kWeightGrad, kActivation, kGradient, kWorkspace };
// kInference: a forward pass with fixed weights (evaluation, distillation
// teacher); those ops are the ones that can be offloaded to the CIM device.
enum class Phase { kForward, kBackward, kInference };

struct Tensor {
  std::string name;
  TensorKind kind = TensorKind::kActivation;
  std::uint64_t bytes = 0;
  double sparsity = 0.0;       // fraction of zero elements, measured or modelled
  double recompute_us = -1.0;  // < 0: the producer op's compute time
};

struct Op {
  std::string name;
  Phase phase = Phase::kForward;
  double compute_us = 0.0;
  std::vector<int> reads;   // tensor ids
  std::vector<int> writes;  // tensor ids
};

struct Trace {
  std::string network;
  int batch = 0;
  std::vector<Tensor> tensors;
  std::vector<Op> ops;

  int tensor_id(const std::string& name) const;  // -1 when absent
  double total_compute_us() const;
};

bool is_persistent(TensorKind k);
const char* to_string(TensorKind k);
const char* to_string(Phase p);

// Derived per-tensor facts. Slots are op indices; "-1" means none.
struct Lifetime {
  int producer = -1;        // op writing it (-1 for persistent tensors)
  int last_use = -1;        // last op reading it (the producer when never read)
  int last_fwd_use = -1;    // last forward/inference op touching it
  int first_bwd_use = -1;   // first backward op reading it
  bool managed = false;     // forward activation read in backward: keep/swap/recompute
  double recompute_us = 0;  // cost to re-run its producer
};

// Checks the trace (ids in range, one writer per non-persistent tensor, no read
// before write, sizes and sparsity sane, no tensor or op name given twice)
// and throws MemplanError naming the offending op/tensor; returns one
// Lifetime per tensor.
std::vector<Lifetime> analyze(const Trace& trace);

// Bytes of persistent tensors (always resident).
std::uint64_t persistent_bytes(const Trace& trace);

}  // namespace hycim::memplan
