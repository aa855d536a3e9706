// The plain reference both the model and the RTL are checked against: the
// mathematical definition of each command in nested loops of 64-bit integer
// math, plus the bit-serial shift-and-add algorithm the hardware uses, written
// out step by step so the algorithm itself is checked against the definition.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hycim::tile::reference {

// The value of a stored lane: its low `bits` bits, two's complement if signed.
int64_t lane_value(uint8_t raw, unsigned bits, bool is_signed);

// y[l] = sum_k x[k] * W[k][l]; W is K rows of L values, x has K values.
std::vector<int64_t> mvm(const std::vector<std::vector<int64_t>>& w, const std::vector<int64_t>& x);

// The same product the way the tile computes it: inputs given as raw
// `xbits`-bit patterns, one bit plane at a time from the MSB, the accumulator
// row doubled and the plane's sum added - subtracted for a signed input's MSB.
std::vector<int64_t> mvm_bit_serial(const std::vector<std::vector<int64_t>>& w,
                                    const std::vector<uint8_t>& x_raw, unsigned xbits,
                                    bool xsigned);

// p[l] = a[l] * b[l].
std::vector<int64_t> emul(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace hycim::tile::reference
