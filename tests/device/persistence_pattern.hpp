// The bytes the persistence test's child programs, reproducible from a seed.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace hycim::device::testing {

inline std::vector<uint8_t> pattern(unsigned seed, size_t n) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace hycim::device::testing
