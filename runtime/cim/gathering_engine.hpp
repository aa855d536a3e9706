// Batches the MVMs of several threads into one engine call, so requests in
// flight at the same time reach the device as one command batch and its
// tiles overlap their work (a software pipeline across layers and requests:
// while request i is in layer 2, request i+1 is in layer 1).
//
// Every participant thread join()s, calls mvm() any number of times and
// leave()s. mvm() blocks until every joined participant is either blocked in
// mvm() or has left; then one of them runs all gathered jobs on the inner
// engine and all are released. An error of that engine call is rethrown to
// every participant whose jobs were in it.
//
// Other engine calls (program, read, ...) must not run while a batch is on
// the engine: hold lock() around them.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"

namespace hycim::cim {

class GatheringEngine final : public MvmEngine {
 public:
  explicit GatheringEngine(MvmEngine& inner) : inner_(inner) {}

  void join();
  void leave();
  // Engine calls other than mvm() go through this lock.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(engine_mu_); }
  // Engine batches run so far, and jobs in them.
  uint64_t batches() const { return batches_; }
  uint64_t jobs() const { return jobs_; }

  void mvm(std::span<const MvmJob> jobs) override;
  Geometry geometry() const override { return inner_.geometry(); }
  void program(uint32_t, uint32_t, std::span<const uint8_t>) override;
  void read(uint32_t, uint32_t, std::span<uint8_t>) override;
  void read_wear(uint32_t, uint32_t, std::span<uint32_t>) override;
  uint64_t cycles(uint32_t tile) const override { return inner_.cycles(tile); }
  double energy_pj() const override { return inner_.energy_pj(); }
  driver::Usage usage() const override { return inner_.usage(); }
  double device_time_ns() const override { return inner_.device_time_ns(); }
  std::string nvm_store() const override { return inner_.nvm_store(); }
  std::string device_id() const override { return inner_.device_id(); }
  std::string describe() const override { return inner_.describe(); }
  std::vector<driver::RowAccess> row_access(uint32_t tile) const override;
  void release_rows(uint32_t tile, uint32_t row, uint32_t count) override;
  void share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) override;
  std::string owner() const override { return inner_.owner(); }

 private:
  // With mu_ held: runs the gathered jobs when nobody else can add any.
  void flush_if_complete(std::unique_lock<std::mutex>& lk);

  MvmEngine& inner_;
  std::mutex mu_;
  mutable std::mutex engine_mu_;
  std::condition_variable cv_;
  size_t active_ = 0, waiting_ = 0;
  uint64_t generation_ = 0;  // batches completed; a waiter leaves when it moves
  std::vector<MvmJob> pending_;
  std::exception_ptr error_;  // of the batch that just ran
  uint64_t error_generation_ = 0;
  uint64_t batches_ = 0, jobs_ = 0;
};

}  // namespace hycim::cim
