#include "runtime/data/prefetch_cache.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace hycim::data {

namespace {
// Min-heap on first_pos via the std heap functions (which build max-heaps).
bool later(const ReadRun& a, const ReadRun& b) {
  return a.first_pos > b.first_pos;
}
}  // namespace

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
  seq_.assign(sequence.begin(), sequence.end());
  slots_.assign(seq_.size(), Slot{});
  base_ = 0;
  plan_pos_ = take_pos_ = std::min(start, seq_.size());
  reserved_ = 0;
  queue_.clear();
  stop_ = consumer_waiting_ = false;
  idle_workers_ = 0;
  earlier_ += stats_;
  stats_ = CacheStats{};
  stats_origin_ = 0;
  for (unsigned i = 0; i < opts_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

void PrefetchCache::append(const std::vector<uint32_t>& more) {
  {
    std::lock_guard lk(mu_);
    // Drop consumed positions: nothing refers to them any more, except a
    // skipped one whose read is still in flight.
    while (base_ < take_pos_ && (!slots_.front().skipped || slots_.front().landed)) {
      seq_.pop_front();
      slots_.pop_front();
      ++base_;
    }
    seq_.insert(seq_.end(), more.begin(), more.end());
    slots_.resize(seq_.size());
  }
  work_cv_.notify_all();
}

void PrefetchCache::reset_stats() {
  std::lock_guard lk(mu_);
  earlier_ += stats_;
  stats_ = CacheStats{};
  stats_origin_ = take_pos_;
}

bool PrefetchCache::done() const {
  std::lock_guard lk(mu_);
  return take_pos_ >= end_pos();
}

uint32_t PrefetchCache::id_at(size_t pos) const {
  std::lock_guard lk(mu_);
  if (pos < base_ || pos >= end_pos()) throw std::out_of_range("prefetch cache: no such position");
  return id(pos);
}

size_t PrefetchCache::ready_ahead() const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (size_t p = take_pos_; p < end_pos() && slots_[p - base_].ready; ++p) ++n;
  return n;
}

// Caller holds mu_. A sample larger than the whole capacity is admitted when
// nothing else is reserved, so a tiny cache still makes progress.
bool PrefetchCache::can_plan() const {
  if (plan_pos_ >= end_pos()) return false;
  const uint64_t len = src_.locate(id(plan_pos_)).length;
  return reserved_ == 0 || reserved_ + len <= opts_.capacity_bytes;
}

// Caller holds mu_: reserves the next window of positions and queues its runs.
void PrefetchCache::plan_group() {
  std::vector<PendingRead> group;
  while (group.size() < opts_.group_samples && can_plan()) {
    SampleRef r = src_.locate(id(plan_pos_));
    reserved_ += r.length;
    group.push_back({plan_pos_++, r});
  }
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, reserved_);
  for (auto& run : build_runs(std::move(group), opts_.max_gap_bytes, opts_.max_run_bytes)) {
    queue_.push_back(std::move(run));
    std::push_heap(queue_.begin(), queue_.end(), later);
  }
}

void PrefetchCache::worker() {
  std::vector<std::byte> buf;
  std::unique_lock lk(mu_);
  for (;;) {
    if (stop_) return;
    // Keep a few runs queued so every worker finds work, but plan no further
    // than needed: runs planned later can still merge with their neighbours.
    if (queue_.size() < opts_.workers && can_plan()) {
      plan_group();
      if (queue_.size() > 1) work_cv_.notify_one();
      continue;
    }
    if (!queue_.empty()) {
      std::pop_heap(queue_.begin(), queue_.end(), later);
      ReadRun run = std::move(queue_.back());
      queue_.pop_back();
      lk.unlock();
      read_run(run, buf);
      lk.lock();
      continue;
    }
    // Everything planned and started: wait for more (append) or the stop.
    ++idle_workers_;
    work_cv_.wait(lk);
    --idle_workers_;
  }
}

void PrefetchCache::read_run(const ReadRun& run, std::vector<std::byte>& buf) {
  if (run.items.size() == 1) return read_one(run.items.front());  // straight into its buffer
  std::vector<std::vector<std::byte>> out;
  try {
    const uint64_t base = run.begin();
    buf.resize(run.end() - base);
    src_.read_run(run.refs(), buf);
    for (const auto& p : run.items) {
      out.push_back(acquire(p.ref.length));
      std::memcpy(out.back().data(), buf.data() + (p.ref.offset - base), p.ref.length);
    }
  } catch (...) {
    // Re-read one sample at a time so only the bad one carries the error and
    // its neighbours in the run are still served.
    for (const auto& p : run.items) read_one(p);
    return;
  }
  std::lock_guard lk(mu_);
  stats_.bytes_read += buf.size();
  stats_.reads++;
  for (size_t k = 0; k < run.items.size(); ++k) place(run.items[k], std::move(out[k]));
}

void PrefetchCache::read_one(const PendingRead& p) {
  std::vector<std::byte> bytes;
  try {
    bytes = acquire(p.ref.length);
    src_.read_run(std::span(&p.ref, 1), bytes);
  } catch (...) {
    publish_error(p, std::current_exception());
    return;
  }
  std::lock_guard lk(mu_);
  stats_.bytes_read += bytes.size();
  stats_.reads++;
  place(p, std::move(bytes));
}

// Caller holds mu_. A slot the consumer already skipped is dropped here.
void PrefetchCache::place(const PendingRead& p, std::vector<std::byte>&& bytes) {
  Slot& slot = this->slot(p.pos);
  if (slot.skipped) {
    slot.landed = true;
    reserved_ -= p.ref.length;
    if (idle_workers_) work_cv_.notify_one();
    return;
  }
  slot.bytes = std::move(bytes);
  slot.ready = true;
  if (consumer_waiting_ && p.pos >= take_pos_ && p.pos < wait_end_ && --wait_missing_ == 0)
    ready_cv_.notify_one();
}

void PrefetchCache::publish_error(const PendingRead& p, std::exception_ptr err) {
  std::lock_guard lk(mu_);
  slot(p.pos).error = err;
  place(p, {});
}

std::vector<std::byte> PrefetchCache::take() {
  auto batch = take_batch(1);
  if (batch.empty()) throw std::out_of_range("prefetch cache: sequence exhausted");
  return std::move(batch.front());
}

std::vector<std::vector<std::byte>> PrefetchCache::take_batch(size_t n) {
  std::unique_lock lk(mu_);
  const size_t end = std::min(end_pos(), take_pos_ + n);
  std::vector<std::vector<std::byte>> out;
  std::exception_ptr first_error;
  while (take_pos_ < end) {
    // Wait for the planned positions of the batch only: the rest need budget
    // that consuming this part frees (a cache smaller than a batch).
    wait_end_ = std::min(end, std::max(plan_pos_, take_pos_ + 1));
    std::vector<uint8_t> hit(wait_end_ - take_pos_);
    wait_missing_ = 0;
    for (size_t p = take_pos_; p < wait_end_; ++p)
      wait_missing_ += !(hit[p - take_pos_] = slot(p).ready);
    if (wait_missing_ > 0) {
      const auto t0 = std::chrono::steady_clock::now();
      consumer_waiting_ = true;
      ready_cv_.wait(lk, [&] { return wait_missing_ == 0; });
      consumer_waiting_ = false;
      stats_.stall_ns += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::steady_clock::now() - t0)
                                                   .count());
    }
    for (uint8_t h : hit) {
      Taken t = consume(h);
      if (t.error && !first_error) first_error = t.error;
      out.push_back(std::move(t.bytes));
    }
    if (idle_workers_ > 0) work_cv_.notify_one();
  }
  lk.unlock();
  if (first_error) std::rethrow_exception(first_error);
  return out;
}

std::optional<std::vector<std::byte>> PrefetchCache::try_take() {
  std::unique_lock lk(mu_);
  if (take_pos_ >= end_pos()) throw std::out_of_range("prefetch cache: sequence exhausted");
  if (slot(take_pos_).ready) {
    auto bytes = consume(true);
    const bool wake = idle_workers_ > 0;
    lk.unlock();
    if (wake) work_cv_.notify_one();
    if (bytes.error) std::rethrow_exception(bytes.error);
    return std::move(bytes.bytes);
  }
  // Not resident: skip it. An unplanned position is simply never read; a
  // planned one keeps its reservation until its read lands (place()).
  if (take_pos_ < plan_pos_)
    slot(take_pos_).skipped = true;
  else
    plan_pos_ = take_pos_ + 1;
  count(false);
  ++take_pos_;
  return std::nullopt;
}

// Caller holds mu_.
void PrefetchCache::count(bool hit) {
  stats_.requests++;
  stats_.hits += hit;
  if (take_pos_ - stats_origin_ >= opts_.warmup_samples) {
    stats_.requests_after_warmup++;
    stats_.hits_after_warmup += hit;
  }
}

// Caller holds mu_. Evicts on consumption: the next use is in a later epoch,
// so the space is worth more to a sample needed sooner.
PrefetchCache::Taken PrefetchCache::consume(bool hit) {
  Slot& s = slot(take_pos_);
  count(hit);
  reserved_ -= src_.locate(id(take_pos_)).length;
  ++take_pos_;
  Taken t{std::move(s.bytes), s.error};
  s = Slot{};
  return t;
}

std::vector<std::byte> PrefetchCache::acquire(size_t n) {
  std::vector<std::byte> v;
  {
    std::lock_guard lk(free_mu_);
    if (!free_.empty()) {
      v = std::move(free_.back());
      free_.pop_back();
      free_bytes_ -= v.capacity();
    }
  }
  v.resize(n);  // within the old capacity: no allocation, no page faults
  return v;
}

void PrefetchCache::recycle(std::vector<std::byte>&& buffer) {
  std::lock_guard lk(free_mu_);
  if (buffer.capacity() == 0 || free_bytes_ + buffer.capacity() > kMaxFreeBytes) return;
  free_bytes_ += buffer.capacity();
  free_.push_back(std::move(buffer));
}

CacheStats PrefetchCache::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

CacheStats PrefetchCache::total_stats() const {
  std::lock_guard lk(mu_);
  CacheStats t = earlier_;
  return t += stats_;
}

CacheStats& CacheStats::operator+=(const CacheStats& o) {
  requests += o.requests;
  hits += o.hits;
  requests_after_warmup += o.requests_after_warmup;
  hits_after_warmup += o.hits_after_warmup;
  stall_ns += o.stall_ns;
  bytes_read += o.bytes_read;
  reads += o.reads;
  peak_reserved_bytes = std::max(peak_reserved_bytes, o.peak_reserved_bytes);
  return *this;
}

}  // namespace hycim::data
