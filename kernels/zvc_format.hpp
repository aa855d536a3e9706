// Zero-value compression (ZVC) of 8-bit activations, shared by the CPU twin
// and the CUDA kernels so both produce the same bytes:
//  - mask: one bit per element, 32 elements per uint32 word, element 32*w + i
//    is bit i (LSB first) of word w, set when the element is not `zero`;
//    bits past the last element are 0 (this is __ballot_sync's lane order);
//  - values: the non-zero elements, packed in element order.
// `zero` is the byte that counts as zero: 0, or an activation's zero point so
// an asymmetric uint8 tensor compresses as well as a signed one.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

HYCIM_HD constexpr std::uint64_t zvc_mask_words(std::uint64_t count) {
  return (count + 31) / 32;
}

// A compressed tensor as spans (host or device memory, by context).
struct ZvcView {
  std::uint64_t count = 0;  // elements of the uncompressed tensor
  std::uint8_t zero = 0;
  std::span<const std::uint32_t> mask;
  std::span<const std::uint8_t> values;
};

}  // namespace hycim::kernels
