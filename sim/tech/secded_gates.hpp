// The gates of a row's Hsiao SEC-DED code, counted for the area and energy
// model. The code itself is sim/nvm/secded.hpp's (which says why Hsiao); the
// counts are taken here, from the same column order, because the technology
// model sits below the NVM library. Tech.SecdedGatesAreTheCodecs checks them
// against the codec for every width the tiles use and more.
#pragma once
#include <cstdint>

namespace hycim::tech {

struct SecdedGates {
  uint32_t data_bits = 0;
  uint32_t check_bits = 0;  // r: the least with 2^(r-1) - r >= data_bits
  // Syndrome generator: per check bit a 2-input XOR tree over its data bits
  // and the stored check bit, one gate per 1 in H's data columns.
  uint32_t syndrome_xors = 0;
  // Encoder: the same trees without the stored check bit, one gate fewer each.
  uint32_t encoder_xors = 0;
  // Corrector: per data bit an r-input AND (syndrome == its column), of r - 1
  // two-input stages, and the XOR that flips the bit it names.
  uint32_t corrector_ands = 0;  // r-input ANDs
  uint32_t corrector_and2s = 0;
  uint32_t corrector_xors = 0;
};

// The counts for `data_bits` (1..4096) data bits; all zero for 0 (no ECC).
SecdedGates secded_gates(uint32_t data_bits);

}  // namespace hycim::tech
