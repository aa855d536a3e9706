// Several devices as one MvmEngine: their tiles numbered one after another
// (device 0's tiles first), so the planner spreads a model's blocks over all
// of them. A batch of MVMs is split by device and each part runs on its own
// device at the same time (one host thread per device). The devices must
// share a tile geometry (lanes, NVM rows, inputs per MVM).
//
// Simulated time: each device keeps its own clock, so this engine keeps one
// of its own that advances, per operation, by the longest time any device
// took (devices work side by side). Residency across processes is not kept
// for a device group (nvm_store() is empty): its weights are placed per
// process.
#pragma once
#include <memory>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"

namespace hycim::cim {

class MultiDeviceEngine final : public MvmEngine {
 public:
  // Throws EngineError when the geometries differ or fewer than 2 are given.
  explicit MultiDeviceEngine(std::vector<std::unique_ptr<MvmEngine>> devices);
  Geometry geometry() const override { return geometry_; }
  void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) override;
  void program_batch(std::span<const ProgramJob> jobs) override;
  void read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) override;
  void read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) override;
  void mvm(std::span<const MvmJob> jobs) override;
  uint64_t cycles(uint32_t tile) const override;
  double energy_pj() const override;
  driver::Usage usage() const override;
  double device_time_ns() const override { return time_ns_; }
  std::string nvm_store() const override { return {}; }
  std::string device_id() const override { return id_; }
  std::string describe() const override;
  // Ownership of a global tile's rows is its device's.
  std::vector<driver::RowAccess> row_access(uint32_t tile) const override;
  void release_rows(uint32_t tile, uint32_t row, uint32_t count) override;
  void share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) override;
  // The devices' owner, or their distinct owners joined by '+'.
  std::string owner() const override;

 private:
  // (device, its own tile number) of a global tile number.
  std::pair<size_t, uint32_t> route(uint32_t tile) const;
  std::vector<double> clocks() const;
  void advance(const std::vector<double>& before);
  // Runs op(device, its tile) for one tile's device, advancing the clock.
  template <class Op>
  void on_device(uint32_t tile, Op op);
  // Runs run(device, its part of jobs) for every device with a part, all at
  // once (one thread per device beyond the first), advancing the clock.
  template <class Job, class Run>
  void split(std::span<const Job> jobs, Run run);

  std::vector<std::unique_ptr<MvmEngine>> devices_;
  std::vector<uint32_t> first_tile_;  // global number of each device's tile 0
  Geometry geometry_;
  std::string id_;
  double time_ns_ = 0;
};

}  // namespace hycim::cim
