// What the runtime needs from a CIM device: weight blocks programmed into NVM
// rows of a tile, read back, int8/uint8 matrix-vector products over them, and
// what the work cost. The runtime talks only to this interface.
// DriverEngine (driver_engine.hpp) implements it over the hycim driver, so a
// model runs on any device URI (sim://, unix://); it is the runtime's only way
// to tiles. Groups and gathering wrap engines (multi_engine.hpp,
// gathering_engine.hpp).
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/driver.hpp"

namespace hycim::cim {

struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// PROGRAM_NVM hit a row whose wear reached the device's endurance.
struct WornOutError : EngineError {
  WornOutError(const std::string& what, uint32_t tile) : EngineError(what), tile(tile) {}
  uint32_t tile;
};

// A command read an NVM row whose error the device's ECC cannot correct
// (NVM_UNCORRECTABLE): nothing was computed from it. Reprogramming the row
// with its weights heals it.
struct UncorrectableError : EngineError {
  UncorrectableError(const std::string& what, uint32_t tile, uint32_t row)
      : EngineError(what), tile(tile), row(row) {}
  uint32_t tile, row;
};

// A command touched an NVM row this context's owner may not use
// (ROW_DENIED, docs/driver.md "Row ownership"): another owner's, a shared
// row it tried to program, or a released row it tried to read. Nothing ran.
struct RowDeniedError : EngineError {
  RowDeniedError(const std::string& what, uint32_t tile, uint32_t row)
      : EngineError(what), tile(tile), row(row) {}
  uint32_t tile, row;
};

struct Geometry {
  uint32_t tiles = 0;
  uint32_t lanes = 0;          // outputs of one MVM (columns of a weight block)
  uint32_t nvm_rows = 0;       // weight rows per tile (K of one block at most)
  uint32_t max_k = 0;          // inputs one MVM accepts (<= nvm_rows; SRAM holds them)
  uint64_t nvm_endurance = 0;  // programs an NVM row takes before it wears out (0: unknown)
};

// One matrix-vector product: acc[l] = sum_k x[k] * W[first_row + k][l] for
// k < x.size() and lanes l < acc.size(), x and W read as signed or unsigned
// 8-bit values.
struct MvmJob {
  uint32_t tile = 0, first_row = 0;
  std::span<const uint8_t> x;
  std::span<int32_t> acc;
  bool xsigned = true, wsigned = true;
};

// One block of NVM rows to program: rows.size()/lanes rows from first_row.
struct ProgramJob {
  uint32_t tile = 0, first_row = 0;
  std::span<const uint8_t> rows;
};

class MvmEngine {
 public:
  virtual ~MvmEngine() = default;
  virtual Geometry geometry() const = 0;
  // Programs rows.size()/lanes consecutive NVM rows of `tile` from `first_row`;
  // row r's lane l is rows[r*lanes + l] (an int8 or uint8 bit pattern).
  virtual void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) = 0;
  // Programs every job; jobs on different tiles may program at the same
  // time. The default programs them one after another.
  virtual void program_batch(std::span<const ProgramJob> jobs) {
    for (const ProgramJob& j : jobs) program(j.tile, j.first_row, j.rows);
  }
  // Reads rows.size()/lanes NVM rows back (no wear).
  virtual void read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) = 0;
  // Programs so far of NVM rows first_row.. (one count per element of wear).
  virtual void read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) = 0;
  // Runs every job. Jobs on different tiles may run at the same time; all are
  // done on return.
  virtual void mvm(std::span<const MvmJob> jobs) = 0;
  // Cycles tile `tile` has been busy with this engine's commands.
  virtual uint64_t cycles(uint32_t tile) const = 0;
  // Modelled device energy of this engine's commands so far, pJ (0: the
  // engine has no energy model).
  virtual double energy_pj() const = 0;
  // The device's simulated time now, ns.
  virtual double device_time_ns() const = 0;
  // What this engine's commands made its device(s) do: the driver's usage
  // counters of its context(s), summed over a group (zero: no driver below).
  virtual driver::Usage usage() const { return driver::Usage{}; }
  // Where the NVM contents persist ("" when they do not outlive the device):
  // the key under which resident weights are catalogued.
  virtual std::string nvm_store() const = 0;
  // Which device the NVM rows belong to: engines with the same id share rows
  // (contexts of one device), so they share one residency record.
  virtual std::string device_id() const = 0;
  // "4 x fast-model tile 'default' (512 NVM rows x 32 lanes)" for reports.
  virtual std::string describe() const = 0;

  // Row ownership (docs/driver.md "Row ownership"). An engine without owners
  // (bare tiles) holds every row itself: the defaults say so and do nothing.
  // How this engine's owner may use each NVM row of `tile`, row 0 first.
  virtual std::vector<driver::RowAccess> row_access(uint32_t tile) const {
    (void)tile;
    return std::vector<driver::RowAccess>(geometry().nvm_rows, driver::RowAccess::kMine);
  }
  // Gives this owner's rows row..row+count-1 of `tile` back (kReleased).
  virtual void release_rows(uint32_t tile, uint32_t row, uint32_t count) {
    (void)tile, (void)row, (void)count;
  }
  // Shares this owner's rows read-only with every owner, or takes the share
  // back; shared rows cannot be programmed, by their owner either.
  virtual void share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) {
    (void)tile, (void)row, (void)count, (void)shared;
  }
  // The identity the rows belong to ("uid:U/NAMESPACE"; "" without owners).
  virtual std::string owner() const { return {}; }
};

// Whether rows of access `a` are this engine's owner's.
inline bool is_mine(driver::RowAccess a) {
  return a == driver::RowAccess::kMine || a == driver::RowAccess::kMineShared;
}
// Whether they are another owner's (shared read-only or not).
inline bool is_foreign(driver::RowAccess a) {
  return a == driver::RowAccess::kTheirs || a == driver::RowAccess::kShared;
}

// Adds every counter and energy of `u` to `into`; device_time_ns becomes the
// later of the two clocks (devices of a group run side by side).
void add_usage(driver::Usage& into, const driver::Usage& u);

}  // namespace hycim::cim
