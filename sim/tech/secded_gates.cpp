#include "sim/tech/secded_gates.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/tech/technology.hpp"

namespace hycim::tech {
namespace {

constexpr uint32_t kMaxDataBits = 4096;  // nvm::Secded::kMaxDataBits

uint64_t choose(uint32_t n, uint32_t m) {
  uint64_t c = 1;
  for (uint32_t j = 0; j < m; ++j) c = c * (n - j) / (j + 1);
  return c;
}

// Ones in H's data columns: the code takes every column of weight 3, then of
// weight 5, ..., until it has one per data bit.
uint32_t h_ones(uint32_t k, uint32_t r) {
  uint64_t ones = 0, left = k;
  for (uint32_t w = 3; w <= r && left > 0; w += 2) {
    const uint64_t take = std::min<uint64_t>(left, choose(r, w));
    ones += take * w;
    left -= take;
  }
  return static_cast<uint32_t>(ones);
}

}  // namespace

SecdedGates secded_gates(uint32_t k) {
  if (k == 0) return {};
  if (k > kMaxDataBits)
    throw TechError(fmt::format("SEC-DED over {} data bits: at most {}", k, kMaxDataBits));
  SecdedGates g;
  g.data_bits = k;
  g.check_bits = 3;
  while ((1u << (g.check_bits - 1)) - g.check_bits < k) ++g.check_bits;
  const uint32_t r = g.check_bits;
  g.syndrome_xors = h_ones(k, r);
  // Every row of H has a 1 at the least r for k (row j first appears in
  // column C(j, 3) + 1, within k), so each encoder tree is one XOR short.
  g.encoder_xors = g.syndrome_xors - r;
  g.corrector_ands = k;
  g.corrector_and2s = k * (r - 1);
  g.corrector_xors = k;
  return g;
}

}  // namespace hycim::tech
