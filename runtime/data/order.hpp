// Epoch orders: a full permutation of all sample ids per epoch, derived only
// from (seed, epoch), so any process (another rank, the prefetcher, the tier
// planner, a resumed job) computes any epoch's order ahead of time without
// communication. Memory is 4 bytes per sample, never the dataset itself.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace hycim::data {

// Fisher-Yates over [0, n) driven by splitmix64 seeded from (seed, epoch);
// platform-independent (no std:: distributions, whose output is not specified).
std::vector<uint32_t> epoch_order(uint64_t seed, uint64_t epoch, uint32_t n);

// How samples that do not divide evenly over ranks are handled. Every rank
// always gets the same number of samples, hence of batches, so collective
// steps never wait on a rank that ran out.
enum class Remainder {
  drop,  // each rank gets floor(n / world); the last n % world of the order sit this epoch out
  pad,   // each rank gets ceil(n / world); the order is wrapped to fill, repeating up to world-1
         // samples
};

struct RankShare {
  uint64_t samples_per_rank;
  uint64_t batches;  // per rank, identical on every rank
};

RankShare rank_share(uint32_t n, uint32_t world, uint32_t batch, Remainder rem,
                     bool drop_last_batch);

// Rank r's samples in consumption order: order[r], order[r + world], ...
// (strided, so global batch b is the union of every rank's batch b).
std::vector<uint32_t> rank_sequence(std::span<const uint32_t> order, uint32_t rank, uint32_t world,
                                    uint64_t samples_per_rank);

// Shuffle quality: Shannon entropy, in bits, of the differences between
// neighbouring ids, (order[i+1] - order[i]) mod n. 0 for a sorted order; close
// to log2(n) for a full shuffle; a buffer-local shuffle scores far lower.
double neighbour_difference_entropy(std::span<const uint32_t> order, uint32_t n);

}  // namespace hycim::data
