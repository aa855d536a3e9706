// Several devices as one MvmEngine: their tiles numbered one after another
// (device 0's tiles first), so the planner spreads a model's blocks over all
// of them. A batch of MVMs is split by device and each part runs on its own
// device at the same time (one host thread per device). The devices must
// share a tile geometry (lanes, NVM rows, inputs per MVM).
//
// Simulated time: each device keeps its own clock, so this engine keeps one
// of its own that advances, per operation, by the longest time any device
// took (devices work side by side).
//
// Residency across processes is kept per member (nvm_residency.hpp,
// residency_for): each device with a persistent NVM image keeps its own
// catalog next to its image, in its own tile numbers, so an image stays
// self-describing and its device can later be used alone, or in another
// group or order. nvm_store() is empty because no single image holds the
// group's rows; member() and first_tile() say where each part persists.
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

  // The member devices in group order, and the global number of each one's
  // tile 0.
  size_t size() const { return devices_.size(); }
  const MvmEngine& member(size_t d) const { return *devices_.at(d); }
  uint32_t first_tile(size_t d) const { return first_tile_.at(d); }

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
