// Offloading fixed-weight forward passes (evaluation, a distillation teacher)
// to the CIM device: which ops a target takes and how long they take there.
// An offloaded op's weights and the activations only offloaded ops touch never
// occupy GPU memory, and the planners count them free. DeviceOffloadTarget
// (device_offload.hpp) reads the device's own figures, measured by running
// the model on it; ModelOffloadTarget is the what-if model for traces of
// networks never run on the device.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

class OffloadTarget {
 public:
  virtual ~OffloadTarget() = default;
  virtual std::string name() const = 0;
  // Only ops of phase kInference are ever asked about.
  virtual bool accepts(const Trace& trace, int op) const = 0;
  virtual double device_us(const Trace& trace, int op) const = 0;
};

// What-if: takes every inference op whose weights fit `max_weight_bytes` of
// NVM, at `slowdown` times its GPU time.
class ModelOffloadTarget final : public OffloadTarget {
 public:
  ModelOffloadTarget(std::uint64_t max_weight_bytes, double slowdown)
      : max_weight_bytes_(max_weight_bytes), slowdown_(slowdown) {}
  std::string name() const override { return "cim-model"; }
  bool accepts(const Trace& trace, int op) const override;
  double device_us(const Trace& trace, int op) const override;

 private:
  std::uint64_t max_weight_bytes_;
  double slowdown_;
};

struct OffloadChoice {
  std::vector<bool> offloaded;  // per op
  std::vector<int> freed;       // tensors no longer on the GPU
  std::uint64_t freed_bytes = 0;
};

// Offloads every inference op the target accepts.
OffloadChoice choose_offload(const Trace& trace, const OffloadTarget& target);

}  // namespace hycim::memplan
