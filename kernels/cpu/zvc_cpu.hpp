// CPU twin of the zero-value compression kernels (format: kernels/zvc_format.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/zvc_format.hpp"

namespace hycim::kernels {

// Owns what ZvcView points at.
struct ZvcBuffer {
  std::uint64_t count = 0;
  std::uint8_t zero = 0;
  std::vector<std::uint32_t> mask;
  std::vector<std::uint8_t> values;

  ZvcView view() const { return {count, zero, mask, values}; }
};

ZvcBuffer zvc_compress_cpu(std::span<const std::uint8_t> in, std::uint8_t zero = 0);

// Throws KernelError when `out` is not `c.count` long, the mask has the wrong
// number of words or bits past the end, or values disagrees with the mask.
void zvc_decompress_cpu(const ZvcView& c, std::span<std::uint8_t> out);

// Checks a compressed view's sizes against each other (used by both twins).
void validate_zvc(const char* who, const ZvcView& c, std::size_t out_size);

}  // namespace hycim::kernels
