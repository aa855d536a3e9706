// How a stored lane becomes a number: the low `bits` bits, sign-extended when
// signed. Written branch-free so the model's inner loops vectorize.
#pragma once
#include <cstdint>

namespace hycim::tile {

struct LaneDecoder {
  int32_t mask;
  int32_t sign;  // the sign bit's weight when signed, else 0
  LaneDecoder(unsigned bits, bool is_signed)
      : mask(static_cast<int32_t>((1u << bits) - 1)),
        sign(is_signed ? static_cast<int32_t>(1u << (bits - 1)) : 0) {}
  int32_t operator()(uint8_t raw) const { return ((raw & mask) ^ sign) - sign; }
};

}  // namespace hycim::tile
