// The operator kernels' contract with the executor: a kernel reads its inputs
// and attributes from an ExecContext and fills its outputs. Kernels throw
// RuntimeError with a reason; the executor prefixes the node's label.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "runtime/onnx/backend.hpp"
#include "runtime/onnx/calibration.hpp"
#include "runtime/onnx/graph.hpp"
#include "runtime/onnx/quant.hpp"

namespace hycim::runtime {

struct ExecContext {
  const Node& node;
  int64_t opset;
  std::vector<const Tensor*> in;  // nullptr where an optional input is omitted
  std::vector<bool> in_const;     // input i is an initializer (constant across runs)
  std::vector<Tensor> out;        // one per node output
  Backend& backend;
  const std::map<std::string, Range>* ranges;  // calibrated activation ranges, may be empty
  ActivationObserver* observed;                // non-null while calibrating: gets each float input
  double error_bound = 0;  // set by quantized float kernels: max |error| of an output element

  const Tensor& input(size_t i) const;  // throws when missing
  bool has_input(size_t i) const { return i < in.size() && in[i]; }
  const std::string& input_name(size_t i) const { return node.input(i); }
  // Quantization of float input i for the device: the calibrated range when
  // there is one, else the tensor's own range; hands the input to `observed`
  // when calibrating.
  ActQuant act_quant(size_t i);
  // act_quant(i) where it matters (a quantizing backend, or calibration).
  ActQuant float_quant(size_t i) {
    return backend.quantizes_float() || observed ? act_quant(i) : ActQuant{};
  }
  // Key under which prepared weights of this node are cached.
  std::string weight_key(const std::string& suffix = "") const;
};

using KernelFn = void (*)(ExecContext&);

// Operator name -> kernel, for the default ONNX domain.
const std::map<std::string, KernelFn>& kernel_table();
// Whether the operator's products run on the device's tiles (on the tiles
// backend); every other operator runs on the host.
bool runs_on_device(const std::string& op_type);

// Registration of each ops_*.cpp file.
void add_elementwise_kernels(std::map<std::string, KernelFn>& t);
void add_shape_kernels(std::map<std::string, KernelFn>& t);
void add_nn_kernels(std::map<std::string, KernelFn>& t);
void add_quant_kernels(std::map<std::string, KernelFn>& t);
void add_matmul_kernels(std::map<std::string, KernelFn>& t);
void add_conv_kernels(std::map<std::string, KernelFn>& t);
void add_qdq_kernels(std::map<std::string, KernelFn>& t);
void add_reduce_kernels(std::map<std::string, KernelFn>& t);
void add_tensor_kernels(std::map<std::string, KernelFn>& t);
void add_normalization_kernels(std::map<std::string, KernelFn>& t);
void add_resize_kernels(std::map<std::string, KernelFn>& t);

}  // namespace hycim::runtime
