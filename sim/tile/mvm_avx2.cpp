// The AVX2 kernel: weights widened to 16 bits and decoded there, so every
// width and signedness is exact without shifting; vpmaddwd multiplies one
// lane's four packed rows by the four inputs and adds them in pairs, and the
// two pair sums of a lane are added once at the end of the MVM.
// Compiled with a target attribute, not -mavx2 (see mvm_avx512.cpp).
#include <immintrin.h>

#include <cstring>

#include "sim/tile/mvm_kernel.hpp"

#define HYCIM_AVX2 __attribute__((target("avx2")))
#define HYCIM_AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

namespace hycim::tile::isa {
namespace {

enum class Widen { kSigned8, kUnsigned8, kNarrow };

// The stored bytes are flipped (PackedRows): a signed byte w reads as the
// unsigned w+128 and an unsigned one as the signed w-128; masking a narrow
// weight drops the flipped bit.
template <Widen kWiden>
HYCIM_AVX2_INLINE __m256i widen(const uint8_t* p, __m256i mask, __m256i sign) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i k128 = _mm256_set1_epi16(128);
  if constexpr (kWiden == Widen::kSigned8) return _mm256_sub_epi16(_mm256_cvtepu8_epi16(v), k128);
  if constexpr (kWiden == Widen::kUnsigned8) return _mm256_add_epi16(_mm256_cvtepi8_epi16(v), k128);
  const __m256i u = _mm256_cvtepu8_epi16(v);
  return _mm256_sub_epi16(_mm256_xor_si256(_mm256_and_si256(u, mask), sign), sign);
}

// acc[l] += sum over ng groups from g0, for the lanes in whole chunks of four.
// Four 16-bit inputs, one lane's worth, in every 64 bits.
HYCIM_AVX2_INLINE __m256i inputs(const int16_t* x4) {
  long long q;
  std::memcpy(&q, x4, 8);
  return _mm256_set1_epi64x(q);
}

template <Widen kWiden>
HYCIM_AVX2 uint32_t accumulate(const PackedRows& p, uint32_t g0, uint32_t ng, const int16_t* xq,
                               LaneDecoder dw, int32_t* acc) {
  const uint32_t lanes = p.lanes();
  const size_t stride = size_t{lanes} * 4;
  const __m256i mask = _mm256_set1_epi16(static_cast<int16_t>(dw.mask));
  const __m256i sign = _mm256_set1_epi16(static_cast<int16_t>(dw.sign));
  uint32_t c = 0;
  for (; c + 4 <= lanes; c += 4) {
    const uint8_t* base = p.group(g0) + size_t{c} * 4;
    __m256i a0 = _mm256_setzero_si256(), a1 = a0;
    uint32_t g = 0;
    for (; g + 2 <= ng; g += 2) {
      const uint8_t* q = base + g * stride;
      const __m256i x0 = inputs(xq + 4 * g), x1 = inputs(xq + 4 * (g + 1));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(widen<kWiden>(q, mask, sign), x0));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(widen<kWiden>(q + stride, mask, sign), x1));
    }
    if (g < ng) {
      const __m256i x0 = inputs(xq + 4 * g);
      a0 =
          _mm256_add_epi32(a0, _mm256_madd_epi16(widen<kWiden>(base + g * stride, mask, sign), x0));
    }
    // Dwords (2l, 2l+1) hold lane l's two pair sums; hadd adds them within
    // each 128-bit half: lanes c, c+1 land in dwords 0, 1 and c+2, c+3 in 4, 5.
    const __m256i s = _mm256_add_epi32(a0, a1);
    const __m256i h = _mm256_hadd_epi32(s, s);
    acc[c] += _mm256_extract_epi32(h, 0);
    acc[c + 1] += _mm256_extract_epi32(h, 1);
    acc[c + 2] += _mm256_extract_epi32(h, 4);
    acc[c + 3] += _mm256_extract_epi32(h, 5);
  }
  return c;
}

}  // namespace

HYCIM_AVX2 void mvm_avx2(const ArrayView& a, const MvmOperands& op, int32_t* acc) {
  const uint32_t g0 = op.row / 4, ng = (op.row + op.count + 3) / 4 - g0;
  // Four 16-bit inputs per group of four rows, zero outside the MVM.
  int16_t* x16 = op.scratch;
  std::memset(x16, 0, 8);
  std::memset(x16 + 4 * (ng - 1), 0, 8);
  const LaneDecoder dx(op.xbits, op.xsigned);
  int16_t* xs = x16 + (op.row - g0 * 4);
  const __m256i xmask = _mm256_set1_epi16(static_cast<int16_t>(dx.mask));
  const __m256i xsign = _mm256_set1_epi16(static_cast<int16_t>(dx.sign));
  uint32_t k = 0;
  for (; k + 16 <= op.count; k += 16) {
    const __m256i u =
        _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(op.x + k)));
    _mm256_storeu_si256(
        reinterpret_cast<__m256i*>(xs + k),
        _mm256_sub_epi16(_mm256_xor_si256(_mm256_and_si256(u, xmask), xsign), xsign));
  }
  for (; k < op.count; ++k) xs[k] = static_cast<int16_t>(dx(op.x[k]));
  const LaneDecoder dw(op.wbits, op.wsigned);
  const PackedRows& p = *a.packed;
  uint32_t done = 0;
  if (op.wbits == 8)
    done = op.wsigned ? accumulate<Widen::kSigned8>(p, g0, ng, x16, dw, acc)
                      : accumulate<Widen::kUnsigned8>(p, g0, ng, x16, dw, acc);
  else
    done = accumulate<Widen::kNarrow>(p, g0, ng, x16, dw, acc);
  // Lanes past the last whole chunk of four.
  for (uint32_t l = done; l < a.lanes; ++l)
    for (uint32_t g = 0; g < ng; ++g)
      for (uint32_t j = 0; j < 4; ++j)
        acc[l] += int32_t{x16[g * 4 + j]} *
                  dw(static_cast<uint8_t>(p.group(g0 + g)[size_t{l} * 4 + j] ^ PackedRows::kFlip));
}

HYCIM_AVX2 void emul_avx2(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db,
                          uint32_t lanes, int32_t* out) {
  const __m256i ma = _mm256_set1_epi32(da.mask), sa = _mm256_set1_epi32(da.sign);
  const __m256i mb = _mm256_set1_epi32(db.mask), sb = _mm256_set1_epi32(db.sign);
  uint32_t l = 0;
  for (; l + 8 <= lanes; l += 8) {
    __m256i va = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + l)));
    __m256i vb = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + l)));
    va = _mm256_sub_epi32(_mm256_xor_si256(_mm256_and_si256(va, ma), sa), sa);
    vb = _mm256_sub_epi32(_mm256_xor_si256(_mm256_and_si256(vb, mb), sb), sb);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + l), _mm256_mullo_epi32(va, vb));
  }
  for (; l < lanes; ++l) out[l] = da(a[l]) * db(b[l]);
}

}  // namespace hycim::tile::isa
