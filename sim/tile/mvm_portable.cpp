// The portable kernel: the plain GEMV over row-major rows, written the way the
// compiler vectorizes best without knowing the CPU. The definition the SIMD
// kernels are checked against (tests/tile/tile_model_test.cpp).
#include "sim/tile/mvm_kernel.hpp"

namespace hycim::tile::isa {
namespace {

// Inputs and weights are known to fit 16 bits (so it can use 16x16->32
// multiplies), the full-width signed case needs no decoding, and __restrict
// says the accumulator does not alias the uint8_t rows.
template <bool kInt8>
void accumulate_rows(const uint8_t* __restrict w, size_t lanes, uint32_t k,
                     const int16_t* __restrict x, LaneDecoder dw, int32_t* __restrict acc) {
  for (uint32_t i = 0; i < k; ++i, w += lanes) {
    const int32_t xv = x[i];
    for (size_t l = 0; l < lanes; ++l)
      acc[l] += xv * (kInt8 ? int32_t{static_cast<int8_t>(w[l])}
                            : int32_t{static_cast<int16_t>(dw(w[l]))});
  }
}

}  // namespace

void mvm_portable(const ArrayView& a, const MvmOperands& op, int32_t* acc) {
  int16_t* x = op.scratch;
  const LaneDecoder dx(op.xbits, op.xsigned);
  for (uint32_t k = 0; k < op.count; ++k) x[k] = static_cast<int16_t>(dx(op.x[k]));
  const LaneDecoder dw(op.wbits, op.wsigned);
  const uint8_t* w = a.rows + size_t{op.row} * a.lanes;
  if (op.wbits == 8 && op.wsigned)
    accumulate_rows<true>(w, a.lanes, op.count, x, dw, acc);
  else
    accumulate_rows<false>(w, a.lanes, op.count, x, dw, acc);
}

void emul_portable(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db,
                   uint32_t lanes, int32_t* out) {
  for (uint32_t l = 0; l < lanes; ++l) out[l] = da(a[l]) * db(b[l]);
}

}  // namespace hycim::tile::isa
