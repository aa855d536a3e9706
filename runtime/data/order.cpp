#include "runtime/data/order.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace hycim::data {

namespace {

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound) by Lemire's multiply-and-reject: unbiased, and the
  // same sequence on every platform.
  uint32_t below(uint32_t bound) {
    uint64_t m = (next() >> 32) * bound;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < bound) {
      uint32_t threshold = static_cast<uint32_t>(-bound) % bound;
      while (low < threshold) {
        m = (next() >> 32) * bound;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }
};

}  // namespace

std::vector<uint32_t> epoch_order(uint64_t seed, uint64_t epoch, uint32_t n) {
  std::vector<uint32_t> order(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  SplitMix64 rng{seed * 0xD1B54A32D192ED03ull ^ (epoch + 1) * 0x9E3779B97F4A7C15ull};
  for (uint32_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

RankShare rank_share(uint32_t n, uint32_t world, uint32_t batch, Remainder rem,
                     bool drop_last_batch) {
  RankShare s;
  s.samples_per_rank = rem == Remainder::drop ? n / world : (n + world - 1) / world;
  s.batches =
      drop_last_batch ? s.samples_per_rank / batch : (s.samples_per_rank + batch - 1) / batch;
  if (drop_last_batch) s.samples_per_rank = s.batches * batch;
  return s;
}

std::vector<uint32_t> rank_sequence(std::span<const uint32_t> order, uint32_t rank, uint32_t world,
                                    uint64_t samples_per_rank) {
  std::vector<uint32_t> seq;
  seq.reserve(samples_per_rank);
  if (order.empty()) return seq;
  for (uint64_t j = 0; j < samples_per_rank; ++j)
    seq.push_back(order[(rank + j * world) % order.size()]);
  return seq;
}

double neighbour_difference_entropy(std::span<const uint32_t> order, uint32_t n) {
  if (order.size() < 2) return 0.0;
  std::unordered_map<uint32_t, uint64_t> hist;
  for (size_t i = 1; i < order.size(); ++i) hist[(order[i] + n - order[i - 1]) % n]++;
  const double total = static_cast<double>(order.size() - 1);
  double h = 0.0;
  for (const auto& [d, c] : hist) {
    double p = static_cast<double>(c) / total;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace hycim::data
