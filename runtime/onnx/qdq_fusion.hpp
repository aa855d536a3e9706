// QDQ models as they are: a multiply-heavy operator whose operands are
// DequantizeLinear outputs becomes one integer product of the quantized
// operands on the device, instead of a float product re-quantized on the fly:
//   MatMul(DQ(a), DQ(b))          -> hycim.QdqMatMul
//   Gemm(DQ(a), DQ(b), C?)        -> hycim.QdqGemm   (transA 0 or 1)
//   Conv(DQ(x), DQ(w), bias?)     -> hycim.QdqConv   (1-, 2-, 3-D, any group)
// The activation (a, x) is quantized per tensor; the weight is an 8-bit
// initializer, per tensor or per output channel (MatMul: per column, axis 1;
// Gemm: per column of op(B), axis 1 with transB = 0, axis 0 with transB = 1;
// Conv: per output channel, axis 0). A Transpose of a 2-D weight's
// DequantizeLinear (PyTorch's Linear on 3-D inputs) is first turned into a
// DequantizeLinear of the transposed initializer. Zero points are applied
// exactly on the host, sum (a - za)(w - zw) = sum a w - zw sum a - za sum w +
// K za zw; Conv padding holds the input zero point (as ConvInteger). The
// float output is acc * sa * sw[channel], then (Gemm) times alpha, plus
// beta * C or the Conv bias: a float tensor, often DequantizeLinear(int32
// bias), which stays a host node. No re-quantization, so fused nodes report
// no error bound. Anything else (a weight that is not an initializer, such
// as attention's activation x activation products; a scale on another axis;
// blocked quantization) is left to the float path.
// DequantizeLinear nodes whose outputs no longer feed anything are removed.
// Applied only on backends that run float products quantized (the tiles); the
// CPU executor keeps the float reference path.
#pragma once
#include "runtime/onnx/graph.hpp"

namespace hycim::runtime {

// The internal operators fused products turn into. Inputs: a, a_scale,
// a_zero_point, b, b_scale, b_zero_point (zero points may be ""), then for
// Gemm and Conv an optional float C / bias (may be ""); the original node's
// attributes stay. Float output.
inline constexpr const char* kQdqMatMul = "hycim.QdqMatMul";
inline constexpr const char* kQdqGemm = "hycim.QdqGemm";
inline constexpr const char* kQdqConv = "hycim.QdqConv";

struct QdqFusion {
  int matmul = 0, gemm = 0, conv = 0;  // nodes fused, per operator
  int removed_dq = 0;                  // DequantizeLinear nodes left without consumers, removed
  int transposed = 0;                  // Transpose(DequantizeLinear(W)) made DequantizeLinear(W^T)
  int fused() const { return matmul + gemm + conv; }
};

// Rewrites the MatMul, Gemm and Conv nodes that qualify (see above).
QdqFusion fuse_qdq(Graph& g);

// fuse_qdq(g).fused(): all three operators, despite the name (Session calls it).
int fuse_qdq_matmuls(Graph& g);

}  // namespace hycim::runtime
