#include "sim/nvm/secded.hpp"

#include <fmt/format.h>

#include <bit>
#include <stdexcept>

namespace hycim::nvm {
namespace {

// H's data columns in the one defined order: weight 3 by increasing value,
// then weight 5, then 7, ...
std::vector<uint16_t> hsiao_columns(uint32_t k, uint32_t r) {
  std::vector<uint16_t> cols;
  cols.reserve(k);
  for (uint32_t w = 3; w <= r && cols.size() < k; w += 2)
    for (uint32_t v = 0; v < (1u << r) && cols.size() < k; ++v)
      if (static_cast<uint32_t>(std::popcount(v)) == w) cols.push_back(static_cast<uint16_t>(v));
  return cols;
}

}  // namespace

uint32_t Secded::check_bits_for(uint32_t data_bits) {
  if (data_bits < 1 || data_bits > kMaxDataBits)
    throw std::invalid_argument(
        fmt::format("SEC-DED: {} data bits, must be 1..{}", data_bits, kMaxDataBits));
  uint32_t r = 3;
  while ((1u << (r - 1)) - r < data_bits) ++r;
  return r;
}

Secded::Secded(uint32_t data_bits)
    : k_(data_bits), r_(check_bits_for(data_bits)), columns_(hsiao_columns(k_, r_)) {
  for (uint16_t c : columns_) h_ones_ += static_cast<uint32_t>(std::popcount(c));

  // Each byte's table entry for value v is the entry for v without its lowest
  // set bit, XOR that bit's column.
  byte_table_.assign(size_t{data_bytes()} * 256, 0);
  for (uint32_t b = 0; b < data_bytes(); ++b) {
    uint16_t* t = &byte_table_[size_t{b} * 256];
    for (uint32_t v = 1; v < 256; ++v) {
      const uint32_t bit = b * 8 + static_cast<uint32_t>(std::countr_zero(v));
      t[v] = static_cast<uint16_t>(t[v & (v - 1)] ^ (bit < k_ ? columns_[bit] : 0));
    }
  }

  bit_of_syndrome_.assign(size_t{1} << r_, -1);
  for (uint32_t i = 0; i < k_; ++i) bit_of_syndrome_[columns_[i]] = static_cast<int16_t>(i);
}

uint32_t Secded::column(uint32_t data_bit) const {
  if (data_bit >= k_)
    throw std::out_of_range(fmt::format("SEC-DED: data bit {} of {}", data_bit, k_));
  return columns_[data_bit];
}

void Secded::check_size(size_t bytes) const {
  if (bytes != data_bytes())
    throw std::invalid_argument(
        fmt::format("SEC-DED: {} data bytes given, {} data bits need {}", bytes, k_, data_bytes()));
}

uint32_t Secded::encode(std::span<const uint8_t> data) const {
  check_size(data.size());
  uint32_t c = 0;
  const uint16_t* t = byte_table_.data();
  for (uint8_t byte : data) {
    c ^= t[byte];
    t += 256;
  }
  return c;
}

Secded::Decoded Secded::decode(std::span<uint8_t> data, uint32_t& check) const {
  if (check >> r_ != 0)
    throw std::invalid_argument(
        fmt::format("SEC-DED: check word {:#x} has bits at or above its {} bits", check, r_));
  const uint32_t s = encode(data) ^ check;
  if (s == 0) return {Outcome::kClean, -1};
  // Every column is odd: one flipped bit gives an odd syndrome, two an even one.
  if (std::popcount(s) % 2 == 0) return {Outcome::kUncorrectable, -1};
  if (std::has_single_bit(s)) {
    check ^= s;
    return {Outcome::kCorrected, static_cast<int32_t>(k_) + std::countr_zero(s)};
  }
  const int32_t bit = bit_of_syndrome_[s];
  if (bit < 0) return {Outcome::kUncorrectable, -1};  // odd, but no column: 3+ errors
  data[static_cast<uint32_t>(bit) / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return {Outcome::kCorrected, bit};
}

}  // namespace hycim::nvm
