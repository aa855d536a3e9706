#include "runtime/data/prefetch_cache.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace hycim::data {

PrefetchCache::PrefetchCache(SampleSource& src, CacheOptions opts) : src_(src), opts_(opts) {
  if (opts_.workers == 0) opts_.workers = 1;
  if (opts_.group_samples == 0) opts_.group_samples = 1;
}

PrefetchCache::~PrefetchCache() {
  stop();
}

void PrefetchCache::stop() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void PrefetchCache::start(std::vector<uint32_t> sequence, size_t start) {
  stop();
  seq_ = std::move(sequence);
  slots_.assign(seq_.size(), Slot{});
  plan_pos_ = take_pos_ = std::min(start, seq_.size());
  reserved_ = 0;
  stop_ = false;
  stats_ = CacheStats{};
  for (unsigned i = 0; i < opts_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

bool PrefetchCache::can_reserve(uint64_t bytes) const {
  return reserved_ == 0 || reserved_ + bytes <= opts_.capacity_bytes;
}

void PrefetchCache::worker() {
  std::vector<std::byte> buf;
  std::unique_lock lk(mu_);
  for (;;) {
    work_cv_.wait(lk, [&] {
      return stop_ || plan_pos_ >= seq_.size() || can_reserve(src_.locate(seq_[plan_pos_]).length);
    });
    if (stop_ || plan_pos_ >= seq_.size()) return;
    // Plan the next window of positions that fits in the budget.
    std::vector<Pending> group;
    while (plan_pos_ < seq_.size() && group.size() < opts_.group_samples) {
      SampleRef r = src_.locate(seq_[plan_pos_]);
      if (!can_reserve(r.length)) break;
      reserved_ += r.length;
      group.push_back({plan_pos_++, r});
    }
    stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, reserved_);
    lk.unlock();
    read_group(group, buf);
    lk.lock();
  }
}

void PrefetchCache::read_group(std::vector<Pending>& group, std::vector<std::byte>& buf) {
  // Group by unit and sort by offset; equal refs (a padded order repeating a
  // sample) stay adjacent and are read once.
  std::sort(group.begin(), group.end(), [](const Pending& a, const Pending& b) {
    return a.ref.unit != b.ref.unit ? a.ref.unit < b.ref.unit : a.ref.offset < b.ref.offset;
  });
  size_t i = 0;
  while (i < group.size()) {
    // Extend the run while the next sample is in the same unit, close enough
    // and the run stays under max_run_bytes.
    size_t j = i + 1;
    uint64_t end = group[i].ref.end();
    while (j < group.size() && group[j].ref.unit == group[i].ref.unit &&
           group[j].ref.offset <= end + opts_.max_gap_bytes &&
           std::max(end, group[j].ref.end()) - group[i].ref.offset <= opts_.max_run_bytes) {
      end = std::max(end, group[j].ref.end());
      ++j;
    }
    std::span<const Pending> run(group.data() + i, j - i);
    std::vector<SampleRef> refs;
    for (const auto& p : run)
      if (refs.empty() || refs.back().offset != p.ref.offset) refs.push_back(p.ref);
    try {
      if (refs.size() == 1 && run.size() == 1) {
        read_one(run.front());  // straight into the sample's own buffer: no copy
        i = j;
        continue;
      }
      buf.resize(end - run.front().ref.offset);
      src_.read_run(refs, buf);
      publish(run, buf, buf.size());
    } catch (...) {
      // Re-read one sample at a time so only the bad one carries the error
      // and its neighbours in the run are still served.
      for (size_t k = i; k < j; ++k) read_one(group[k]);
    }
    i = j;
  }
}

void PrefetchCache::read_one(const Pending& p) {
  try {
    std::vector<std::byte> bytes(p.ref.length);
    src_.read_run(std::span(&p.ref, 1), bytes);
    std::lock_guard lk(mu_);
    stats_.bytes_read += bytes.size();
    stats_.reads++;
    place(p, std::move(bytes));
    ready_cv_.notify_all();
  } catch (...) {
    publish_error(std::span(&p, 1), std::current_exception());
  }
}

// Caller holds mu_. A slot the consumer already skipped is dropped here.
void PrefetchCache::place(const Pending& p, std::vector<std::byte>&& bytes) {
  Slot& slot = slots_[p.pos];
  if (slot.skipped) {
    reserved_ -= p.ref.length;
    work_cv_.notify_all();
    return;
  }
  slot.bytes = std::move(bytes);
  slot.ready = true;
}

void PrefetchCache::publish(std::span<const Pending> run, std::span<const std::byte> data,
                            uint64_t read_bytes) {
  const uint64_t base = run.front().ref.offset;
  std::vector<std::vector<std::byte>> out;
  out.reserve(run.size());
  for (const auto& p : run)
    out.emplace_back(data.begin() + (p.ref.offset - base), data.begin() + (p.ref.end() - base));
  std::lock_guard lk(mu_);
  stats_.bytes_read += read_bytes;
  stats_.reads++;
  for (size_t k = 0; k < run.size(); ++k) place(run[k], std::move(out[k]));
  ready_cv_.notify_all();
}

void PrefetchCache::publish_error(std::span<const Pending> run, std::exception_ptr err) {
  std::lock_guard lk(mu_);
  for (const auto& p : run) {
    if (slots_[p.pos].skipped) {
      reserved_ -= p.ref.length;
      work_cv_.notify_all();
      continue;
    }
    slots_[p.pos].error = err;
    slots_[p.pos].ready = true;
  }
  ready_cv_.notify_all();
}

std::vector<std::byte> PrefetchCache::take() {
  std::unique_lock lk(mu_);
  if (take_pos_ >= seq_.size()) throw std::out_of_range("prefetch cache: sequence exhausted");
  Slot& slot = slots_[take_pos_];
  const bool hit = slot.ready;
  if (!hit) {
    auto t0 = std::chrono::steady_clock::now();
    ready_cv_.wait(lk, [&] { return slot.ready; });
    stats_.stall_ns += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  return consume(lk, hit);
}

std::optional<std::vector<std::byte>> PrefetchCache::try_take() {
  std::unique_lock lk(mu_);
  if (take_pos_ >= seq_.size()) throw std::out_of_range("prefetch cache: sequence exhausted");
  if (slots_[take_pos_].ready) return consume(lk, true);
  // Still being read (or not planned): skip it. Unplanned positions are
  // never read, so only a planned one keeps its reservation until it lands.
  if (take_pos_ < plan_pos_) {
    slots_[take_pos_].skipped = true;
  } else {
    plan_pos_ = take_pos_ + 1;
  }
  count(false);
  ++take_pos_;
  lk.unlock();
  work_cv_.notify_all();
  return std::nullopt;
}

void PrefetchCache::count(bool hit) {
  stats_.requests++;
  stats_.hits += hit;
  if (take_pos_ >= opts_.warmup_samples) {
    stats_.requests_after_warmup++;
    stats_.hits_after_warmup += hit;
  }
}

std::vector<std::byte> PrefetchCache::consume(std::unique_lock<std::mutex>& lk, bool hit) {
  Slot& slot = slots_[take_pos_];
  count(hit);
  // Evict on consumption: release the reservation and wake the planners.
  reserved_ -= src_.locate(seq_[take_pos_]).length;
  ++take_pos_;
  std::vector<std::byte> bytes = std::move(slot.bytes);
  std::exception_ptr err = slot.error;
  slot = Slot{};
  lk.unlock();
  work_cv_.notify_all();
  if (err) std::rethrow_exception(err);
  return bytes;
}

CacheStats PrefetchCache::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

}  // namespace hycim::data
