#include "runtime/onnx/kernel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace hycim::runtime {

const Tensor& ExecContext::input(size_t i) const {
  if (!has_input(i)) throw RuntimeError(fmt::format("input {} is required", i));
  return *in[i];
}

ActQuant ExecContext::act_quant(size_t i) {
  const auto& x = input(i).values<float>();
  const std::string& name = input_name(i);
  if (observed) observed->observe(name, x);
  if (ranges) {
    auto it = ranges->find(name);
    if (it != ranges->end()) return choose_act_quant(it->second.lo, it->second.hi);
  }
  return choose_act_quant(x);
}

std::string ExecContext::weight_key(const std::string& suffix) const {
  return fmt::format("{}:{}{}", node.index, node.name.empty() ? node.op_type : node.name, suffix);
}

bool runs_on_device(const std::string& op_type) {
  static const std::set<std::string> device = {"MatMul",        "Gemm",          "Conv",
                                               "ConvTranspose", "MatMulInteger", "ConvInteger",
                                               "QLinearMatMul", "QLinearConv",   "hycim.QdqMatMul",
                                               "hycim.QdqGemm", "hycim.QdqConv"};
  return device.count(op_type) != 0;
}

const std::map<std::string, KernelFn>& kernel_table() {
  static const std::map<std::string, KernelFn> table = [] {
    std::map<std::string, KernelFn> t;
    add_elementwise_kernels(t);
    add_shape_kernels(t);
    add_nn_kernels(t);
    add_quant_kernels(t);
    add_matmul_kernels(t);
    add_conv_kernels(t);
    add_qdq_kernels(t);
    add_reduce_kernels(t);
    add_tensor_kernels(t);
    add_normalization_kernels(t);
    add_resize_kernels(t);
    return t;
  }();
  return table;
}

}  // namespace hycim::runtime
