// The AVX-512 VNNI kernel: vpdpbusd multiplies 64 unsigned bytes by 64 signed
// bytes and adds each group of four products into one 32-bit lane, so one
// instruction does four consecutive weight rows of 16 lanes. The packed layout
// (PackedRows) puts exactly those four bytes side by side.
//
// vpdpbusd wants one operand unsigned and one signed. Any decoded input or
// weight is in -128..255, so one of the two fits the signed side directly
// except in two cases, which are shifted by 128 and corrected with the input
// sum (one scalar per MVM, no second pass over the weights):
//   inputs unsigned: x is the unsigned operand; weights signed as they are,
//     8-bit unsigned weights as w-128 (acc += 128 * sum x afterwards);
//   inputs signed: x is the signed operand; weights unsigned as they are,
//     signed weights as w+128 (acc -= 128 * sum x afterwards).
// The packed bytes are stored flipped (w+128 for 8-bit signed weights), so
// the signed x signed case loads them as they are; the others flip back
// with one xor. Narrow weights are masked below the flipped bit.
// Compiled with target attributes, not -m flags, so nothing in this file
// leaks AVX-512 code into functions the linker may share with other files.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "sim/tile/mvm_kernel.hpp"

#define HYCIM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define HYCIM_AVX512_INLINE \
  __attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline)) inline

namespace hycim::tile::isa {
namespace {

struct WeightDecode {
  __m512i mask, sign, flip;  // flip: 0x80 in every byte
};

// The operand vpdpbusd multiplies, from the stored (flipped) bytes.
template <bool kNarrow, bool kFlip>
HYCIM_AVX512_INLINE __m512i decode(__m512i v, const WeightDecode& d) {
  if constexpr (kNarrow)
    v = _mm512_sub_epi8(_mm512_xor_si512(_mm512_and_si512(v, d.mask), d.sign), d.sign);
  if constexpr (kFlip) v = _mm512_xor_si512(v, d.flip);
  return v;
}

// The vpdpbusd operand order: inputs unsigned, they are the unsigned side.
template <bool kXUnsigned>
HYCIM_AVX512_INLINE __m512i dpbusd(__m512i acc, __m512i w, __m512i x) {
  return kXUnsigned ? _mm512_dpbusd_epi32(acc, x, w) : _mm512_dpbusd_epi32(acc, w, x);
}

HYCIM_AVX512_INLINE __m512i broadcast_word(const uint8_t* xword) {
  int32_t word;
  std::memcpy(&word, xword, 4);
  return _mm512_set1_epi32(word);
}

// acc[c..c+31] += sum over ng groups: two vectors of 16 lanes share each
// input broadcast; four groups at a time, so eight independent sums hide
// vpdpbusd's latency.
template <bool kXUnsigned, bool kNarrow, bool kFlip>
HYCIM_AVX512_INLINE void accumulate_32(const uint8_t* q, size_t stride, uint32_t ng,
                                       const uint8_t* x, const WeightDecode& d, __m512i corr,
                                       int32_t* acc) {
  __m512i lo[4], hi[4];
  for (int i = 0; i < 4; ++i) lo[i] = hi[i] = _mm512_setzero_si512();
  uint32_t g = 0;
  for (; g + 4 <= ng; g += 4, q += 4 * stride, x += 16) {
    for (int i = 0; i < 4; ++i) {
      const __m512i xi = broadcast_word(x + 4 * i);
      const uint8_t* qi = q + i * stride;
      lo[i] = dpbusd<kXUnsigned>(lo[i], decode<kNarrow, kFlip>(_mm512_load_si512(qi), d), xi);
      hi[i] = dpbusd<kXUnsigned>(hi[i], decode<kNarrow, kFlip>(_mm512_load_si512(qi + 64), d), xi);
    }
  }
  for (; g < ng; ++g, q += stride, x += 4) {
    const __m512i x0 = broadcast_word(x);
    lo[0] = dpbusd<kXUnsigned>(lo[0], decode<kNarrow, kFlip>(_mm512_load_si512(q), d), x0);
    hi[0] = dpbusd<kXUnsigned>(hi[0], decode<kNarrow, kFlip>(_mm512_load_si512(q + 64), d), x0);
  }
  const __m512i l =
      _mm512_add_epi32(_mm512_add_epi32(lo[0], lo[1]), _mm512_add_epi32(lo[2], lo[3]));
  const __m512i h =
      _mm512_add_epi32(_mm512_add_epi32(hi[0], hi[1]), _mm512_add_epi32(hi[2], hi[3]));
  _mm512_storeu_si512(acc, _mm512_add_epi32(_mm512_loadu_si512(acc), _mm512_add_epi32(l, corr)));
  _mm512_storeu_si512(acc + 16,
                      _mm512_add_epi32(_mm512_loadu_si512(acc + 16), _mm512_add_epi32(h, corr)));
}

// acc[c..c+n) += sum over ng groups, for the last n < 32 lanes (masked).
template <bool kXUnsigned, bool kNarrow, bool kFlip>
HYCIM_AVX512_INLINE void accumulate_16(const uint8_t* q, size_t stride, uint32_t ng,
                                       const uint8_t* x, const WeightDecode& d, __m512i corr,
                                       __mmask16 m, int32_t* acc) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0;
  uint32_t g = 0;
  for (; g + 2 <= ng; g += 2, q += 2 * stride, x += 8) {
    a0 = dpbusd<kXUnsigned>(a0, decode<kNarrow, kFlip>(_mm512_maskz_loadu_epi32(m, q), d),
                            broadcast_word(x));
    a1 = dpbusd<kXUnsigned>(a1, decode<kNarrow, kFlip>(_mm512_maskz_loadu_epi32(m, q + stride), d),
                            broadcast_word(x + 4));
  }
  if (g < ng)
    a0 = dpbusd<kXUnsigned>(a0, decode<kNarrow, kFlip>(_mm512_maskz_loadu_epi32(m, q), d),
                            broadcast_word(x));
  const __m512i s = _mm512_add_epi32(_mm512_add_epi32(a0, a1), corr);
  _mm512_mask_storeu_epi32(acc, m, _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc), s));
}

// acc[l] += correction + sum over ng groups from g0 of the four-row products.
// A group's lanes start 64-byte aligned when LANES is a multiple of 16
// (PackedRows), so the 32-lane loads are aligned; others take the masked path.
template <bool kXUnsigned, bool kNarrow, bool kFlip>
HYCIM_AVX512 void accumulate(const PackedRows& p, uint32_t g0, uint32_t ng, const uint8_t* xw,
                             const WeightDecode& d, int32_t correction, int32_t* acc) {
  const uint32_t lanes = p.lanes();
  const size_t stride = size_t{lanes} * 4;
  const __m512i corr = _mm512_set1_epi32(correction);
  uint32_t c = 0;
  if (lanes % 16 == 0)
    for (; c + 32 <= lanes; c += 32)
      accumulate_32<kXUnsigned, kNarrow, kFlip>(p.group(g0) + size_t{c} * 4, stride, ng, xw, d,
                                                corr, acc + c);
  for (; c < lanes; c += 16) {
    const uint32_t n = std::min(16u, lanes - c);
    const __mmask16 m = n == 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
    accumulate_16<kXUnsigned, kNarrow, kFlip>(p.group(g0) + size_t{c} * 4, stride, ng, xw, d, corr,
                                              m, acc + c);
  }
}

using AccumulateFn = void (*)(const PackedRows&, uint32_t, uint32_t, const uint8_t*,
                              const WeightDecode&, int32_t, int32_t*);

template <bool kXUnsigned>
AccumulateFn pick(bool narrow, bool flip) {
  if (narrow)
    return flip ? accumulate<kXUnsigned, true, true> : accumulate<kXUnsigned, true, false>;
  return flip ? accumulate<kXUnsigned, false, true> : accumulate<kXUnsigned, false, false>;
}

}  // namespace

// Writes the decoded inputs as bytes from xb unless it is null (unsigned
// 0..255 or two's complement -128..127, both the raw byte when 8 bits wide)
// and returns their sum when `want_sum`.
HYCIM_AVX512 int64_t prepare_inputs(const MvmOperands& op, uint8_t* xb, bool want_sum) {
  const LaneDecoder dx(op.xbits, op.xsigned);
  const __m512i mask = _mm512_set1_epi8(static_cast<char>(dx.mask));
  const __m512i sign = _mm512_set1_epi8(static_cast<char>(dx.sign));
  const __m512i zero = _mm512_setzero_si512();
  // vpsadbw sums unsigned bytes; signed ones are summed shifted by 128.
  const __m512i shift = op.xsigned ? _mm512_set1_epi8(static_cast<char>(0x80)) : zero;
  const bool narrow = op.xbits < 8;
  __m512i s0 = zero, s1 = zero;  // two chains: vpsadbw's latency
  uint32_t k = 0;
  for (; k + 128 <= op.count; k += 128) {
    __m512i v0 = _mm512_loadu_si512(op.x + k), v1 = _mm512_loadu_si512(op.x + k + 64);
    if (narrow) {
      v0 = _mm512_sub_epi8(_mm512_xor_si512(_mm512_and_si512(v0, mask), sign), sign);
      v1 = _mm512_sub_epi8(_mm512_xor_si512(_mm512_and_si512(v1, mask), sign), sign);
    }
    if (xb != nullptr) {
      _mm512_storeu_si512(xb + k, v0);
      _mm512_storeu_si512(xb + k + 64, v1);
    }
    if (want_sum) {
      s0 = _mm512_add_epi64(s0, _mm512_sad_epu8(_mm512_xor_si512(v0, shift), zero));
      s1 = _mm512_add_epi64(s1, _mm512_sad_epu8(_mm512_xor_si512(v1, shift), zero));
    }
  }
  for (; k < op.count; k += 64) {
    const uint32_t n = std::min(64u, op.count - k);
    const __mmask64 m = n == 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
    __m512i v = _mm512_maskz_loadu_epi8(m, op.x + k);
    if (narrow) v = _mm512_sub_epi8(_mm512_xor_si512(_mm512_and_si512(v, mask), sign), sign);
    if (xb != nullptr) _mm512_mask_storeu_epi8(xb + k, m, v);
    if (want_sum)
      s0 = _mm512_add_epi64(
          s0, _mm512_sad_epu8(_mm512_maskz_mov_epi8(m, _mm512_xor_si512(v, shift)), zero));
  }
  if (!want_sum) return 0;
  // Summed through memory: GCC 12 warns on _mm512_reduce_add_epi64's
  // undefined pass-through, as on the conversions below.
  alignas(64) int64_t part[8];
  _mm512_store_si512(part, _mm512_add_epi64(s0, s1));
  int64_t total = 0;
  for (int64_t v : part) total += v;
  return total - (op.xsigned ? int64_t{128} * op.count : 0);
}

HYCIM_AVX512 void mvm_avx512vnni(const ArrayView& a, const MvmOperands& op, int32_t* acc) {
  const uint32_t g0 = op.row / 4, ng = (op.row + op.count + 3) / 4 - g0;
  const uint32_t skip = op.row - g0 * 4;
  const bool x_unsigned = !op.xsigned;
  const bool bias = x_unsigned ? (!op.wsigned && op.wbits == 8) : op.wsigned;
  // One 32-bit word of inputs per group of four rows, zero for rows of the
  // first and last group outside the MVM (they then add nothing). 8-bit
  // inputs of a block that starts a group are their own words, read where
  // they are; only a last, partial group is copied.
  auto* xb = reinterpret_cast<uint8_t*>(op.scratch);
  const bool in_place = op.xbits == 8 && skip == 0;
  const uint8_t* words = xb;
  uint32_t groups = ng;
  int64_t xsum = 0;
  if (in_place) {
    if (bias) xsum = prepare_inputs(op, nullptr, true);
    words = op.x;
    groups = op.count / 4;
    if (op.count % 4 != 0) {
      std::memset(xb, 0, 4);
      std::memcpy(xb, op.x + 4 * size_t{groups}, op.count % 4);
    }
  } else {
    std::memset(xb, 0, 4);
    std::memset(xb + 4 * (ng - 1), 0, 4);
    xsum = prepare_inputs(op, xb + skip, bias);
  }
  const int32_t correction =
      !bias ? 0 : static_cast<int32_t>(x_unsigned ? 128 * xsum : -128 * xsum);
  const LaneDecoder dw(op.wbits, op.wsigned);
  const WeightDecode d{_mm512_set1_epi8(static_cast<char>(dw.mask)),
                       _mm512_set1_epi8(static_cast<char>(dw.sign)),
                       _mm512_set1_epi8(static_cast<char>(0x80))};
  const bool narrow = op.wbits < 8;
  // Masking drops the stored flip of a narrow weight; a full byte keeps it.
  const bool flip = narrow ? bias : !bias;
  const AccumulateFn f = x_unsigned ? pick<true>(narrow, flip) : pick<false>(narrow, flip);
  f(*a.packed, g0, groups, words, d, correction, acc);
  if (in_place && groups < ng) f(*a.packed, g0 + groups, 1, xb, d, 0, acc);
}

HYCIM_AVX512 void emul_avx512(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db,
                              uint32_t lanes, int32_t* out) {
  const __m512i ma = _mm512_set1_epi32(da.mask), sa = _mm512_set1_epi32(da.sign);
  const __m512i mb = _mm512_set1_epi32(db.mask), sb = _mm512_set1_epi32(db.sign);
  uint32_t l = 0;
  for (; l + 16 <= lanes; l += 16) {
    // The zero-masking forms: GCC 12 warns that the plain ones' undefined
    // pass-through "may be used uninitialized".
    __m512i va = _mm512_maskz_cvtepu8_epi32(
        0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + l)));
    __m512i vb = _mm512_maskz_cvtepu8_epi32(
        0xFFFF, _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + l)));
    va = _mm512_sub_epi32(_mm512_xor_si512(_mm512_and_si512(va, ma), sa), sa);
    vb = _mm512_sub_epi32(_mm512_xor_si512(_mm512_and_si512(vb, mb), sb), sb);
    _mm512_storeu_si512(out + l, _mm512_mullo_epi32(va, vb));
  }
  for (; l < lanes; ++l) out[l] = da(a[l]) * db(b[l]);
}

}  // namespace hycim::tile::isa
