#include "kernels/cpu/zvc_cpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

namespace hycim::kernels {

ZvcBuffer zvc_compress_cpu(std::span<const std::uint8_t> in, std::uint8_t zero) {
  ZvcBuffer out;
  out.count = in.size();
  out.zero = zero;
  out.mask.assign(zvc_mask_words(in.size()), 0u);
  out.values.resize(in.size());  // worst case; trimmed below
  std::size_t next = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool keep = in[i] != zero;
    out.mask[i / 32] |= static_cast<std::uint32_t>(keep) << (i % 32);
    out.values[next] = in[i];  // overwritten unless kept: no branch to mispredict
    next += keep;
  }
  out.values.resize(next);
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
  for (std::size_t w = 0; w < c.mask.size(); ++w) {
    const std::size_t first = w * 32;
    const std::size_t len = std::min<std::size_t>(32, out.size() - first);
    std::uint32_t bits = c.mask[w];
    if (bits == 0) {  // the common case of sparse activations
      std::fill_n(out.begin() + first, len, c.zero);
      continue;
    }
    for (std::size_t i = 0; i < len; ++i, bits >>= 1) {
      out[first + i] = (bits & 1u) ? c.values[next++] : c.zero;
    }
  }
}

}  // namespace hycim::kernels
