#include "kernels/cpu/zvc_cpu.hpp"

#include <fmt/format.h>

#include <bit>

namespace hycim::kernels {

ZvcBuffer zvc_compress_cpu(std::span<const std::uint8_t> in, std::uint8_t zero) {
  ZvcBuffer out;
  out.count = in.size();
  out.zero = zero;
  out.mask.assign(zvc_mask_words(in.size()), 0u);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != zero) {
      out.mask[i / 32] |= 1u << (i % 32);
      out.values.push_back(in[i]);
    }
  }
  return out;
}

void validate_zvc(const char* who, const ZvcView& c, std::size_t out_size) {
  if (out_size != c.count) {
    throw KernelError(fmt::format("{}: output has {} elements, the compressed tensor {}", who,
                                  out_size, c.count));
  }
  const std::uint64_t words = zvc_mask_words(c.count);
  if (c.mask.size() != words) {
    throw KernelError(fmt::format("{}: mask has {} words, expected ceil({}/32) = {}", who,
                                  c.mask.size(), c.count, words));
  }
  const unsigned tail = static_cast<unsigned>(c.count % 32);
  if (tail != 0 && (c.mask[words - 1] >> tail) != 0) {
    throw KernelError(fmt::format("{}: mask has bits set past element {}", who, c.count));
  }
  std::uint64_t set = 0;
  for (std::uint32_t w : c.mask) set += static_cast<std::uint64_t>(std::popcount(w));
  if (set != c.values.size()) {
    throw KernelError(fmt::format("{}: mask marks {} non-zero elements but values holds {}", who,
                                  set, c.values.size()));
  }
}

void zvc_decompress_cpu(const ZvcView& c, std::span<std::uint8_t> out) {
  validate_zvc("zvc_decompress_cpu", c, out.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool nonzero = (c.mask[i / 32] >> (i % 32)) & 1u;
    out[i] = nonzero ? c.values[next++] : c.zero;
  }
}

}  // namespace hycim::kernels
