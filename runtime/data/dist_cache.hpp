// Distributed cache over MPI: every rank is a client (it trains on its share
// of the epoch) and a server (it caches a partition of the samples).
//
// Which rank serves which sample follows the epoch's order: the sample at
// position j of client c's sequence is served by rank (c + j) % world, so each
// client's requests are spread evenly over all servers (they differ by at
// most one per batch) and each server's partition is the set of samples it
// will be asked for, in the order it will be asked. A server prefetches its
// partition through a bounded PrefetchCache; at every step it pushes to each
// client the samples of that client's batch it holds, in one all-to-all
// exchange; a client reads what was not pushed (server had not loaded it in
// time, or it did not fit) from the shared store itself ("pull"). Every rank
// makes the same number of steps, so the collective exchange never waits on a
// rank that ran out of data.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "runtime/data/loader.hpp"
#include "runtime/data/order.hpp"
#include "runtime/data/prefetch_cache.hpp"
#include "runtime/data/source.hpp"

namespace hycim::data {

struct DistOptions {
  uint32_t batch_size = 32;
  uint64_t seed = 0;
  Remainder remainder = Remainder::drop;
  CacheOptions partition;  // this rank's server cache (capacity_bytes bounds it)
};

struct DistStats {
  uint64_t received_pushed = 0;  // samples this client got from servers
  uint64_t pulled = 0;           // samples this client read from the store itself
  uint64_t served = 0;           // samples this server pushed
  uint64_t bytes_pushed = 0;
};

class DistributedCache {
 public:
  DistributedCache(MPI_Comm comm, SampleSource& store, DistOptions opts);
  static uint32_t server_of(uint32_t client, uint64_t position, uint32_t world) {
    return static_cast<uint32_t>((client + position) % world);
  }
  uint64_t batches_per_epoch() const { return share_.batches; }
  // Collective. Computes every client's sequence for `epoch` and starts
  // loading this rank's partition.
  void start_epoch(uint64_t epoch);
  // Collective: every rank calls it batches_per_epoch() times per epoch.
  bool next(Batch& out);
  const DistStats& stats() const { return stats_; }

 private:
  std::vector<std::byte> pack_pushes(std::vector<int>& counts);
  void unpack(const std::vector<std::byte>& recv, const std::vector<int>& counts, Batch& out,
              std::vector<uint8_t>& have);

  MPI_Comm comm_;
  int rank_ = 0, world_ = 1;
  SampleSource& store_;
  DistOptions opts_;
  RankShare share_;
  PrefetchCache partition_;
  std::vector<std::vector<uint32_t>> seqs_;  // every client's sequence this epoch
  uint64_t epoch_ = 0, step_ = 0;
  DistStats stats_;
};

}  // namespace hycim::data
