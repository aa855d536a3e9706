#include "runtime/data/dist_cache.hpp"

#include <cstring>
#include <optional>
#include <stdexcept>

#include "runtime/data/error.hpp"

namespace hycim::data {

namespace {

// Push message per (server, client): repeated {u32 position, u32 length, bytes}.
struct PushHeader {
  uint32_t position;
  uint32_t length;
};

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS)
    throw std::runtime_error(std::string("distributed cache: ") + what + " failed");
}

}  // namespace

DistributedCache::DistributedCache(MPI_Comm comm, SampleSource& store, DistOptions opts)
    : comm_(comm), store_(store), opts_(opts), partition_(store, opts.partition) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &world_);
  if (opts_.batch_size == 0)
    throw std::invalid_argument("distributed cache: batch_size must be > 0");
  share_ = rank_share(store.sample_count(), static_cast<uint32_t>(world_), opts_.batch_size,
                      opts_.remainder, false);
}

void DistributedCache::start_epoch(uint64_t epoch) {
  epoch_ = epoch;
  step_ = 0;
  stats_ = DistStats{};
  auto order = epoch_order(opts_.seed, epoch, store_.sample_count());
  seqs_.clear();
  for (int c = 0; c < world_; ++c)
    seqs_.push_back(rank_sequence(order, static_cast<uint32_t>(c), static_cast<uint32_t>(world_),
                                  share_.samples_per_rank));
  // This server's partition, in the order it will push: step, client, position.
  std::vector<uint32_t> owned;
  for (uint64_t s = 0; s < share_.batches; ++s)
    for (int c = 0; c < world_; ++c)
      for (uint64_t j = s * opts_.batch_size;
           j < std::min<uint64_t>((s + 1) * opts_.batch_size, share_.samples_per_rank); ++j)
        if (server_of(static_cast<uint32_t>(c), j, static_cast<uint32_t>(world_)) ==
            static_cast<uint32_t>(rank_))
          owned.push_back(seqs_[c][j]);
  partition_.start(std::move(owned));
}

std::vector<std::byte> DistributedCache::pack_pushes(std::vector<int>& counts) {
  std::vector<std::byte> send;
  const uint64_t lo = step_ * opts_.batch_size;
  const uint64_t hi = std::min<uint64_t>(lo + opts_.batch_size, share_.samples_per_rank);
  for (int c = 0; c < world_; ++c) {
    size_t before = send.size();
    for (uint64_t j = lo; j < hi; ++j) {
      if (server_of(static_cast<uint32_t>(c), j, static_cast<uint32_t>(world_)) !=
          static_cast<uint32_t>(rank_))
        continue;
      std::optional<std::vector<std::byte>> bytes;
      try {
        bytes = partition_.try_take();
      } catch (const DataError&) {
        // A damaged sample is not pushed: the client's own read of it raises
        // the error naming file and sample on the rank that needs it.
      }
      if (!bytes) continue;  // not loaded in time: the client pulls it
      PushHeader h{static_cast<uint32_t>(j - lo), static_cast<uint32_t>(bytes->size())};
      const auto* hp = reinterpret_cast<const std::byte*>(&h);
      send.insert(send.end(), hp, hp + sizeof h);
      send.insert(send.end(), bytes->begin(), bytes->end());
      stats_.served++;
      stats_.bytes_pushed += bytes->size();
    }
    counts[c] = static_cast<int>(send.size() - before);
  }
  return send;
}

void DistributedCache::unpack(const std::vector<std::byte>& recv, const std::vector<int>& counts,
                              Batch& out, std::vector<uint8_t>& have) {
  size_t pos = 0;
  for (int r = 0; r < world_; ++r) {
    const size_t end = pos + static_cast<size_t>(counts[r]);
    while (pos < end) {
      PushHeader h;
      std::memcpy(&h, recv.data() + pos, sizeof h);
      pos += sizeof h;
      Sample& s = out.samples.at(h.position);
      s.bytes.assign(recv.begin() + static_cast<long>(pos),
                     recv.begin() + static_cast<long>(pos + h.length));
      have[h.position] = 1;
      pos += h.length;
      stats_.received_pushed++;
    }
  }
}

bool DistributedCache::next(Batch& out) {
  if (step_ >= share_.batches) return false;
  std::vector<int> send_counts(world_), recv_counts(world_), sdispl(world_), rdispl(world_);
  std::vector<std::byte> send = pack_pushes(send_counts);
  check(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, comm_),
        "MPI_Alltoall");
  size_t total = 0;
  for (int r = 0; r < world_; ++r) {
    sdispl[r] = r ? sdispl[r - 1] + send_counts[r - 1] : 0;
    rdispl[r] = static_cast<int>(total);
    total += static_cast<size_t>(recv_counts[r]);
  }
  std::vector<std::byte> recv(total);
  check(MPI_Alltoallv(send.data(), send_counts.data(), sdispl.data(), MPI_BYTE, recv.data(),
                      recv_counts.data(), rdispl.data(), MPI_BYTE, comm_),
        "MPI_Alltoallv");
  const auto& seq = seqs_[rank_];
  const uint64_t lo = step_ * opts_.batch_size;
  const uint64_t hi = std::min<uint64_t>(lo + opts_.batch_size, share_.samples_per_rank);
  out.epoch = epoch_;
  out.index = step_++;
  out.samples.assign(hi - lo, Sample{});
  for (uint64_t j = lo; j < hi; ++j) out.samples[j - lo] = {seq[j], store_.label(seq[j]), {}};
  std::vector<uint8_t> have(hi - lo, 0);
  unpack(recv, recv_counts, out, have);
  for (uint64_t k = 0; k < have.size(); ++k) {
    if (have[k]) continue;
    SampleRef r = store_.locate(out.samples[k].id);
    out.samples[k].bytes.resize(r.length);
    store_.read_run(std::span(&r, 1), out.samples[k].bytes);
    stats_.pulled++;
  }
  return true;
}

}  // namespace hycim::data
