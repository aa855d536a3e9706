// Seeded random operands for the comparison tests (twin vs GPU vs device).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace hycim::kernels::testing {

inline std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::uint8_t> out(n);
  for (auto& v : out) v = static_cast<std::uint8_t>(byte(rng));
  return out;
}

inline std::vector<std::int32_t> random_ints(std::size_t n, int lo, int hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<std::int32_t> out(n);
  for (auto& v : out) v = d(rng);
  return out;
}

}  // namespace hycim::kernels::testing
