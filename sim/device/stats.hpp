// What a device run measured: per command, per tile and for the whole run;
// cycles, simulated time, row activations, NVM programs, DMA bytes, MACs and
// energy by component. Dumped as JSON (everything) and CSV (one line per
// command). Field meanings: docs/device.md, "Stats".
#pragma once
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "hycim/spec/device_spec.hpp"

namespace hycim::device {

struct Energy {
  double array = 0;        // lane adds in the array (includes reading the raised rows)
  double shift_add = 0;    // transfer-region shift-and-add
  double sram = 0;         // row writes/reads and input latching
  double nvm_program = 0;  // NVM row programming
  double dma = 0;          // host link
  double ecc = 0;          // NVM check cells read and programmed, syndromes decoded
  double total() const { return array + shift_add + sram + nvm_program + dma + ecc; }
  Energy& operator+=(const Energy& o);
  Energy& operator-=(const Energy& o);
};

// What the NVM's ECC and write-verify did (docs/device.md, "NVM faults");
// all zero on a device without a fault model.
struct EccCounts {
  uint64_t corrected = 0;      // row reads whose single bad bit the ECC corrected
  uint64_t uncorrectable = 0;  // row reads refused: an error the ECC cannot correct
  uint64_t retries = 0;        // program pulses write-verify repeated
  uint64_t scrubbed = 0;       // rows a scrub programmed again with their corrected data
  uint64_t remapped = 0;       // rows moved to a spare row after failing write-verify
  EccCounts& operator+=(const EccCounts& o);
  EccCounts& operator-=(const EccCounts& o);
};

// The work one command did, filled in while it runs.
struct Work {
  uint64_t cycles = 0;           // tile cycles
  uint64_t row_activations = 0;  // rows raised, summed over bit planes
  uint64_t nvm_programs = 0;
  uint64_t dma_bytes = 0;
  uint64_t macs = 0;  // multiply-accumulates of MVM/EMUL
  Energy energy_pj;
  EccCounts ecc;
  Work& operator+=(const Work& o);
};

struct CommandStats {
  uint32_t ring_index = 0;
  uint32_t seq = 0;
  spec::device::DevOpcode opcode{};
  uint32_t tile = 0;
  spec::device::DevStatus status{};
  double start_ns = 0, end_ns = 0;  // fetched -> completion written
  Work work;
};

struct TileStats {
  uint64_t commands = 0;
  double busy_ns = 0;  // time the tile's work queue was running a command
  Work work;
};

class Stats {
 public:
  // The command records are reserved here, once (virtual memory: pages are
  // touched as records fill them), so recording never copies them and a
  // long-lived device's memory map does not change as it works.
  Stats(uint32_t tiles, double period_ns) : tiles_(tiles), period_ns_(period_ns) {
    kept_.reserve(kMaxCommandRecords + kMaxCommandRecords / 4);
  }

  void record(const CommandStats& c);
  // Command fetches and completion writes: DMA not charged to any command.
  void add_ring_dma(uint64_t bytes, double energy_pj);
  // Work the device did on its own on tile `tile` (the background scrub):
  // in the tile's and the run's totals, in no command's and no context's.
  void record_background(uint32_t tile, const Work& w);
  const Work& background() const { return background_; }

  // The most recent commands, at most kMaxCommandRecords of them: a device
  // that runs for days (hycimd) must not grow without bound. Totals, per-tile
  // figures and since() count every command, kept or not.
  static constexpr size_t kMaxCommandRecords = size_t{1} << 16;
  std::span<const CommandStats> commands() const {
    const size_t n = std::min(kept_.size(), kMaxCommandRecords);
    return std::span(kept_).last(n);
  }
  uint64_t commands_recorded() const { return first_kept_ + kept_.size(); }
  uint64_t commands_dropped() const { return commands_recorded() - commands().size(); }
  const TileStats& tile(uint32_t i) const { return tiles_.at(i); }
  Work total() const;

  // A point in the record, and everything recorded after it (commands and
  // ring DMA), for a host that shares the device between users in turns and
  // charges each the work of its own turn (the driver's per-context usage).
  struct Mark {
    uint64_t commands = 0;  // commands_recorded() then
    Work work;              // work_ then: since() falls back on it if records were dropped
    uint64_t ring_dma_bytes = 0;
    double ring_dma_pj = 0;
  };
  Mark mark() const { return {commands_recorded(), work_, ring_dma_bytes_, ring_dma_pj_}; }
  Work since(const Mark& m) const;

  // `now_ns`: the simulated time the run is measured to (utilization's
  // denominator).
  nlohmann::json to_json(double now_ns) const;
  void write_json(const std::filesystem::path& path, double now_ns) const;
  void write_csv(const std::filesystem::path& path) const;

 private:
  std::vector<TileStats> tiles_;
  // Up to kMaxCommandRecords + kMaxCommandRecords / 4 records, the oldest
  // quarter dropped at once: recording allocates nothing once it is full (a
  // deque sliding over the records freed and allocated a node every two
  // commands, a tenth of a batch's simulation time).
  std::vector<CommandStats> kept_;
  uint64_t first_kept_ = 0;  // commands dropped from kept_'s front so far
  Work work_;                // every command's work, ring DMA excluded
  Work background_;          // record_background()'s
  uint64_t ring_dma_bytes_ = 0;
  double ring_dma_pj_ = 0;
  double period_ns_;
};

}  // namespace hycim::device
