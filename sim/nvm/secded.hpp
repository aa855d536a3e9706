// SEC-DED (single-error-correcting, double-error-detecting) code over one NVM
// row: Hsiao's odd-weight-column code. rtl/secded_codec.sv is the same code
// in hardware; tests/nvm/secded_rtl_test.cpp proves the two equal bit for bit.
//
// Why Hsiao (M. Y. Hsiao, "A class of optimal minimum odd-weight-column
// SEC-DED codes", IBM J. Res. Dev. 14(4), 1970) rather than extended Hamming:
// the same number of check bits, but every column of H has odd weight, so a
// double error (the XOR of two odd columns) always gives an even, non-zero
// syndrome and is told apart from a single error by the syndrome's parity
// alone: no whole-codeword parity tree. And H has fewer ones (columns of
// weight 3 first), so the XOR trees of the encoder and the syndrome generator
// are smaller and shallower.
//
// The code, as both implementations define it:
// - r, the check bits for k data bits: the smallest r with at least k odd-
//   weight r-bit vectors of weight >= 3, i.e. 2^(r-1) - r >= k.
//   (k, r): (1, 3) (4, 4) (8, 5) (11, 5) (26, 6) (64, 8) (256, 10) (1024, 12)
//   (4096, 14). Extended Hamming's r = m + 1 with 2^m >= m + k + 1 is the same
//   inequality, so the two always need the same check bits.
// - The H column of data bit i is the i-th r-bit vector in this order: every
//   vector of weight 3 by increasing value, then every one of weight 5 by
//   increasing value, then weight 7, ... Check bit j's column is 1 << j.
// - Data bits are packed LSB first: bit i is (data[i / 8] >> (i % 8)) & 1.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace hycim::nvm {

class Secded {
 public:
  static constexpr uint32_t kMaxDataBits = 4096;

  // std::invalid_argument unless 1 <= data_bits <= kMaxDataBits.
  explicit Secded(uint32_t data_bits);

  // The r of the formula above for k data bits (1..kMaxDataBits).
  static uint32_t check_bits_for(uint32_t data_bits);

  uint32_t data_bits() const { return k_; }
  uint32_t check_bits() const { return r_; }
  uint32_t code_bits() const { return k_ + r_; }
  uint32_t data_bytes() const { return (k_ + 7) / 8; }

  // The H column of data bit i (an r-bit mask); std::out_of_range for i >= k.
  uint32_t column(uint32_t data_bit) const;

  // The r check bits of `data` (exactly data_bytes() long, else
  // std::invalid_argument); bits past k in the last byte are ignored.
  uint32_t encode(std::span<const uint8_t> data) const;

  enum class Outcome { kClean, kCorrected, kUncorrectable };
  struct Decoded {
    Outcome outcome = Outcome::kClean;
    // The corrected bit: 0..k-1 a data bit, k..k+r-1 check bit (position - k);
    // -1 unless outcome is kCorrected.
    int32_t position = -1;
  };

  // Checks `data` against `check` and corrects a single error in place (in
  // data or in check). An uncorrectable word is left as it was. Bits past k in
  // the last byte are neither read nor written. std::invalid_argument if data
  // is not data_bytes() long or check has bits set at or above r.
  Decoded decode(std::span<uint8_t> data, uint32_t& check) const;

  // Hardware cost for the area/energy model. The syndrome generator: for each
  // check bit, a tree of 2-input XORs over its data bits and the stored check
  // bit, (ones in its H row + 1) - 1 gates; summed, the ones in H's data
  // columns. The correction decoder: one r-input AND per data bit (syndrome ==
  // column).
  uint32_t syndrome_xor_gates() const { return h_ones_; }
  uint32_t corrector_and_gates() const { return k_; }

 private:
  void check_size(size_t bytes) const;

  uint32_t k_;
  uint32_t r_;
  uint32_t h_ones_ = 0;
  std::vector<uint16_t> columns_;  // [k]; r <= 14 for k <= 4096, so 16 bits hold a column
  // [byte position][byte value]: XOR of the columns of that byte's set bits
  // (bits past k contribute nothing).
  std::vector<uint16_t> byte_table_;
  // [syndrome]: the data bit whose column it is, or -1.
  std::vector<int16_t> bit_of_syndrome_;
};

}  // namespace hycim::nvm
