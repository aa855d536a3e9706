// Builds training traces layer by layer: forward layers are declared in order,
// and finish() appends the loss and the backward pass in reverse, so network
// descriptions (networks.cpp) only state layer shapes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/memplan/hardware.hpp"
#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

class TraceBuilder {
 public:
  TraceBuilder(std::string network, int batch, Hardware hw);

  const Hardware& hardware() const { return hw_; }
  // Layers declared while inference is set belong to a fixed-weight forward
  // pass (a distillation teacher): no backward ops, offloadable.
  void set_inference(bool on) { inference_ = on; }

  int input(const std::string& name, std::uint64_t bytes);
  // One forward op reading `inputs`, owning `weight_bytes` of parameters (0:
  // none), doing `flops`, writing one activation of `out_bytes`. Returns the
  // activation's id.
  int layer(const std::string& name, const std::vector<int>& inputs, std::uint64_t weight_bytes,
            double flops, std::uint64_t out_bytes, double sparsity);

  // Adds the loss over `logits` (and `extra` forward outputs it reads, e.g. a
  // teacher's logits), then each training layer's backward op in reverse.
  Trace finish(int logits, const std::vector<int>& extra = {});

 private:
  struct Layer {
    int op;
    std::vector<int> inputs;
    int weight;  // -1: none
    int output;
    double flops;
  };
  int add_tensor(const std::string& name, TensorKind kind, std::uint64_t bytes, double sparsity);
  double bytes_of(const std::vector<int>& ids) const;

  Hardware hw_;
  bool inference_ = false;
  Trace tr_;
  std::vector<Layer> layers_;  // training layers only
};

}  // namespace hycim::memplan
