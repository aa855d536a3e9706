#include "runtime/data/loader.hpp"

#include <stdexcept>

namespace hycim::data {

namespace {
LoaderOptions checked(LoaderOptions o) {
  if (o.batch_size == 0) throw std::invalid_argument("loader: batch_size must be > 0");
  if (o.world == 0 || o.rank >= o.world)
    throw std::invalid_argument("loader: rank must be < world");
  if (o.cache.warmup_samples == 0) o.cache.warmup_samples = o.batch_size;
  return o;
}
}  // namespace

Loader::Loader(SampleSource& src, LoaderOptions opts)
    : src_(src),
      opts_(checked(opts)),
      share_(rank_share(src.sample_count(), opts_.world, opts_.batch_size, opts_.remainder,
                        opts_.drop_last_batch)),
      cache_(src, opts_.cache) {}

std::vector<uint32_t> Loader::sequence(uint64_t epoch) const {
  auto order = epoch_order(opts_.seed, epoch, src_.sample_count());
  return rank_sequence(order, opts_.rank, opts_.world, share_.samples_per_rank);
}

void Loader::start_epoch(uint64_t epoch, uint64_t first_batch) {
  const uint64_t first = std::min(first_batch, share_.batches);
  if (started_ && epoch == epoch_ + 1 && first == 0 && cache_.position() == epoch_end_) {
    // The cache has been walking into this epoch since the last one began:
    // go on, and give it the epoch after this one to walk into.
    epoch_end_ += share_.samples_per_rank;
    cache_.append(sequence(epoch + 1));
    cache_.reset_stats();
  } else {
    std::vector<uint32_t> seq = sequence(epoch);
    const std::vector<uint32_t> after = sequence(epoch + 1);
    seq.insert(seq.end(), after.begin(), after.end());
    cache_.start(std::move(seq), first * opts_.batch_size);
    epoch_end_ = share_.samples_per_rank;
  }
  epoch_ = epoch;
  batch_ = first;
  started_ = true;
}

size_t Loader::next_epoch_ready() const {
  const size_t pos = cache_.position();
  const size_t ready = cache_.ready_ahead();
  return pos + ready > epoch_end_ ? pos + ready - epoch_end_ : 0;
}

bool Loader::next(Batch& out) {
  const size_t pos = cache_.position();
  if (!started_ || pos >= epoch_end_) return false;
  auto bytes = cache_.take_batch(std::min<size_t>(opts_.batch_size, epoch_end_ - pos));
  out.epoch = epoch_;
  out.index = batch_++;
  for (auto& s : out.samples) cache_.recycle(std::move(s.bytes));
  out.samples.clear();
  for (size_t k = 0; k < bytes.size(); ++k) {
    const uint32_t id = cache_.id_at(pos + k);
    out.samples.push_back({id, src_.label(id), std::move(bytes[k])});
  }
  return true;
}

}  // namespace hycim::data
