// QDQ models as they are: MatMul(DequantizeLinear(a), DequantizeLinear(b))
// becomes one integer product of the quantized operands on the device,
// scaled once at the end, instead of a float MatMul re-quantized on the fly.
// Applied only on backends that run float products quantized (the tiles);
// the CPU executor keeps the float reference path.
#pragma once
#include "runtime/onnx/graph.hpp"

namespace hycim::runtime {

// The internal operator fused MatMuls turn into; inputs a, a_scale,
// a_zero_point, b, b_scale, b_zero_point (zero points may be ""), float output.
inline constexpr const char* kQdqMatMul = "hycim.QdqMatMul";

// Rewrites the MatMuls that qualify: A's DequantizeLinear per tensor, B's per
// tensor or per column of a 2-D initializer. Returns how many were fused.
int fuse_qdq_matmuls(Graph& g);

}  // namespace hycim::runtime
