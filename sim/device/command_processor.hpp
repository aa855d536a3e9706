// The device's command processing, with no scheduling and no SystemC: the
// register file, the ring fetch, the checks of a fetched record (in the
// documented order, then the DMA windows), per-tile execution, completion
// records, the error log, the NVM image, wear and stats. Both timings of the
// device drive this one processor and differ only in when things happen:
//  - Device (device.hpp), SystemC/TLM-2.0: a processor thread and a thread
//    per tile, DMA on a shared link;
//  - FunctionalDevice (functional_device.hpp): one call runs everything
//    rung, in ring order, on per-tile clocks.
// So commands, completions, tile cycles, energy and NVM contents are the same
// under both by construction.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "sim/device/command_runner.hpp"
#include "sim/device/device_config.hpp"
#include "sim/device/device_port.hpp"
#include "sim/device/nvm_backing.hpp"
#include "sim/device/nvm_cells.hpp"
#include "sim/device/registers.hpp"
#include "sim/device/stats.hpp"

namespace hycim::device {

struct Job {
  spec::device::CommandRecord record{};
  uint32_t ring_index = 0;
  double started_ns = 0;  // when the command processor dispatched it
};

class CommandProcessor {
 public:
  // Ring entries one fetch DMA reads at most.
  static constexpr uint32_t kFetchBurst = 16;

  // Builds the tiles and, with config.nvm_image set, restores their NVM rows
  // and wear from the image. Throws DeviceError for a bad config and
  // nvm::NvmImageError for an image that cannot be used.
  explicit CommandProcessor(const DeviceConfig& config);
  ~CommandProcessor();

  const DeviceConfig& config() const { return config_; }
  const spec::TileConfig& tile_config() const { return tile_cfg_; }
  RegisterFile& registers() { return regfile_; }
  const RegisterFile& registers() const { return regfile_; }
  const Stats& stats() const { return stats_; }
  tile::Tile& tile(uint32_t index) { return *tiles_.at(index); }
  const tile::Tile& tile(uint32_t index) const { return *tiles_.at(index); }
  // Spare NVM rows tile `index` has used so far (kept in the NVM image);
  // 0 without a fault model.
  uint32_t spares_used(uint32_t index) const { return cells_ ? cells_->spares_used(index) : 0; }

  // Reads the entries from head up to the tail (at most kFetchBurst, not
  // across the ring's end) in one DMA, as a device's fetch engine does. The
  // jobs come back in ring order, head not yet advanced (the caller does, as
  // it dispatches each). A refused read is a ring fault (logged, halted):
  // nothing comes back.
  std::vector<Job> fetch(DevicePort& port);
  // Checks a fetched record. The outcome when the processor itself completes
  // it (refused, NOP, FENCE); nullopt when it is tile work for execute().
  std::optional<Outcome> admit(const Job& job) const;
  // Runs an admitted job on its tile.
  Outcome execute(const Job& job, DevicePort& port);
  // Writes the completion record of the job's ring entry, logs a failed
  // command, raises the interrupt and records the stats. False when the
  // completion could not be written (a ring fault, logged, device halted).
  bool complete(const Job& job, const Outcome& outcome, DevicePort& port);
  void ring_fault(uint64_t addr);
  // RESET (once nothing is in flight): registers to power-on values, SRAM
  // rows zero. NVM rows and wear stay: they are non-volatile.
  void reset();

 private:
  void age_powered();

  DeviceConfig config_;
  spec::TileConfig tile_cfg_;
  RegisterFile regfile_;
  std::unique_ptr<NvmBacking> nvm_;
  std::unique_ptr<NvmCells> cells_;  // with a fault model only
  std::vector<std::unique_ptr<tile::Tile>> tiles_;
  std::vector<CommandRunner> runners_;
  Stats stats_;
};

}  // namespace hycim::device
