#include "runtime/cim/gathering_engine.hpp"

namespace hycim::cim {

void GatheringEngine::join() {
  std::lock_guard lk(mu_);
  ++active_;
}

void GatheringEngine::leave() {
  std::unique_lock lk(mu_);
  --active_;
  flush_if_complete(lk);
}

void GatheringEngine::flush_if_complete(std::unique_lock<std::mutex>& lk) {
  if (waiting_ == 0 || waiting_ < active_) return;
  // Every participant is blocked here or gone: nobody can add jobs, and the
  // jobs' spans stay valid (their owners are waiting). Run them outside mu_.
  std::vector<MvmJob> jobs;
  jobs.swap(pending_);
  const uint64_t gen = generation_;
  lk.unlock();
  std::exception_ptr err;
  try {
    std::lock_guard engine(engine_mu_);
    inner_.mvm(jobs);
  } catch (...) {
    err = std::current_exception();
  }
  lk.lock();
  ++batches_;
  jobs_ += jobs.size();
  error_ = err;
  error_generation_ = gen;
  waiting_ = 0;
  ++generation_;
  cv_.notify_all();
}

void GatheringEngine::mvm(std::span<const MvmJob> jobs) {
  std::unique_lock lk(mu_);
  pending_.insert(pending_.end(), jobs.begin(), jobs.end());
  const uint64_t mine = generation_;
  ++waiting_;
  flush_if_complete(lk);
  cv_.wait(lk, [&] { return generation_ != mine; });
  if (error_ && error_generation_ == mine) std::rethrow_exception(error_);
}

void GatheringEngine::program(uint32_t tile, uint32_t row, std::span<const uint8_t> rows) {
  auto lk = lock();
  inner_.program(tile, row, rows);
}

void GatheringEngine::read(uint32_t tile, uint32_t row, std::span<uint8_t> rows) {
  auto lk = lock();
  inner_.read(tile, row, rows);
}

void GatheringEngine::read_wear(uint32_t tile, uint32_t row, std::span<uint32_t> wear) {
  auto lk = lock();
  inner_.read_wear(tile, row, wear);
}

std::vector<driver::RowAccess> GatheringEngine::row_access(uint32_t tile) const {
  std::lock_guard lk(engine_mu_);
  return inner_.row_access(tile);
}

void GatheringEngine::release_rows(uint32_t tile, uint32_t row, uint32_t count) {
  auto lk = lock();
  inner_.release_rows(tile, row, count);
}

void GatheringEngine::share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) {
  auto lk = lock();
  inner_.share_rows(tile, row, count, shared);
}

}  // namespace hycim::cim
