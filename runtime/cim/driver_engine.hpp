// MvmEngine over the hycim driver: the runtime's way to any device URI
// (sim://?tile=rtl&config=small, unix:///run/hycim.sock). Every MVM, program
// and read is a device command on one queue of this engine's own context;
// inputs, rows and results travel through one DMA buffer. A batch of MVMs
// goes down in as few submissions as the queue allows, so the device's tiles
// work side by side. Cycles come from the completion records, energy and
// simulated time from the driver's per-context usage counters.
#pragma once
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.hpp"
#include "runtime/cim/mvm_engine.hpp"

namespace hycim::cim {

struct DriverEngineOptions {
  std::string uri = "sim://";
  uint32_t queue_entries = 1024;  // capped by the device's max_queue_entries
  // How long one batch may take before the device is declared dead.
  std::chrono::milliseconds timeout{120000};
};

class DriverEngine final : public MvmEngine {
 public:
  explicit DriverEngine(const DriverEngineOptions& options);
  ~DriverEngine() override;
  Geometry geometry() const override { return geometry_; }
  void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) override;
  void program_batch(std::span<const ProgramJob> jobs) override;
  void read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) override;
  void read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) override;
  // SCRUB of NVM rows first_row..first_row+count-1 (docs/device.md,
  // "Scrubbing"); an uncorrectable row comes back as UncorrectableError.
  void scrub(uint32_t tile, uint32_t first_row, uint32_t count);
  void mvm(std::span<const MvmJob> jobs) override;
  uint64_t cycles(uint32_t tile) const override { return cycles_.at(tile); }
  double energy_pj() const override;
  double device_time_ns() const override;
  std::string nvm_store() const override { return nvm_store_; }
  std::string device_id() const override { return device_id_; }
  std::string describe() const override { return describe_; }
  // Row ownership over the driver (Device::row_access, release_rows,
  // share_rows); a refusal is an EngineError naming the tile, rows and status.
  std::vector<driver::RowAccess> row_access(uint32_t tile) const override;
  void release_rows(uint32_t tile, uint32_t row, uint32_t count) override;
  void share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) override;
  std::string owner() const override { return device_->owner(); }
  // The device behind this engine, as the driver describes it (so a tool
  // needs no second context to ask).
  const driver::Capabilities& capabilities() const { return device_->capabilities(); }
  // Throws EngineError when the device cannot answer.
  driver::DeviceInfo info() const;
  // The context's usage counters, asked for once per change: every query
  // crosses to the device thread (or the daemon), and the session asks for
  // energy and time around every node.
  driver::Usage usage() const override { return cached_usage(); }
  // Tile `tile`'s NVM health counters (device-wide: every context's commands
  // on it). Throws EngineError when the device cannot answer.
  driver::TileHealth tile_health(uint32_t tile) const;

 private:
  // The staging buffer holds at least `bytes`; grows (and is remapped) if not.
  void reserve(size_t bytes);
  // Submits every record (in chunks that fit the queue) and waits for all of
  // them; throws EngineError naming the first command that failed.
  void run(std::vector<spec::device::CommandRecord>& cmds, const char* what);
  void mvm_slice(std::span<const MvmJob> jobs);
  const driver::Usage& cached_usage() const;

  DriverEngineOptions options_;
  std::unique_ptr<driver::Device> device_;
  std::unique_ptr<driver::Queue> queue_;
  std::unique_ptr<driver::Buffer> buffer_;
  Geometry geometry_;
  std::string describe_, nvm_store_, device_id_;
  uint32_t seq_ = 0;
  std::vector<uint64_t> cycles_;  // per tile, from completion records
  std::vector<spec::device::CommandRecord> cmds_;
  std::vector<spec::device::CompletionRecord> done_;
  mutable std::optional<driver::Usage> usage_;  // reset by every command batch
};

}  // namespace hycim::cim
