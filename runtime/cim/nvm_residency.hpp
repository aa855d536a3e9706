// Where weight blocks go in a device's NVM, and whether they must be
// programmed at all. A constant block (an initializer) is looked up by
// content hash in the residency catalog; if listed, its rows are read back
// and compared, and on a match it is used as it is: no programming, no wear.
// Otherwise it gets free rows and is programmed and catalogued: tiles are
// tried in turn, so a layer's blocks spread over tiles and run side by side,
// and within a tile the free window whose most-worn row has the least wear
// (the device's wear counters, read once), so programs spread over the NVM
// instead of wearing out its first rows. A row the device reports worn out
// is never offered again.
// When no tile has room, the least recently used blocks of earlier processes
// are evicted, each one logged. Per-run blocks (activation x activation
// MatMul operands) get scratch rows that release_scratch() frees.
//
// NVM rows belong to the device, not to a context, so every backend of this
// process on one device shares one NvmResidency (residency_for()).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "runtime/cim/resident_catalog.hpp"

namespace hycim::cim {

struct ResidencyCounters {
  uint64_t blocks_found = 0, rows_found = 0;            // resident and verified: not programmed
  uint64_t blocks_programmed = 0, rows_programmed = 0;  // constant and scratch
  uint64_t blocks_evicted = 0;
  uint64_t blocks_stale = 0;  // listed, but NVM held other bytes: reprogrammed
};

// Eviction and stale-catalog notes go here; the default prints to stderr.
using ResidencyLog = std::function<void(const std::string&)>;

class NvmResidency {
 public:
  NvmResidency(ResidentCatalog catalog, ResidencyLog log = {});
  // Saves the catalog (errors are logged: a destructor must not throw).
  ~NvmResidency();

  // First NVM row of `rows` (whole rows of `lanes` bytes) on some tile,
  // programmed through `engine` if needed. Scratch rows belong to `owner`.
  // Throws EngineError when the block is larger than a tile or no room can be
  // made without evicting this process's own blocks.
  std::pair<uint32_t, uint32_t> place(MvmEngine& engine, std::span<const uint8_t> rows,
                                      const std::string& label, bool constant, const void* owner);
  void release_scratch(const void* owner);
  // Reads every catalogued block back through `engine`: true where the rows
  // still hold the bytes of the block's hash.
  std::vector<std::pair<ResidentBlock, bool>> verify(MvmEngine& engine);
  // Drops the blocks `which` selects from the catalog (their rows become
  // free; with `wipe`, they are also programmed to zero). Returns them.
  std::vector<ResidentBlock> erase(MvmEngine& engine,
                                   const std::function<bool(const ResidentBlock&)>& which,
                                   bool wipe);
  // Writes the catalog now if anything in it changed (after a run).
  void save();

  // A copy of the catalogued blocks, and counters since this process started.
  std::vector<ResidentBlock> blocks() const;
  ResidencyCounters counters() const;
  uint32_t used_rows() const;
  const Geometry& geometry() const { return catalog_.geometry(); }
  const std::filesystem::path& catalog_path() const { return catalog_.path(); }

 private:
  struct Span {
    uint32_t tile, row, rows;
    const void* owner;
  };
  bool find_room(MvmEngine& engine, uint32_t rows, std::pair<uint32_t, uint32_t>* at);
  std::vector<uint64_t>& wear_of(MvmEngine& engine, uint32_t tile);
  bool evict_one(const std::string& why);
  std::vector<Span> taken(uint32_t tile) const;
  uint32_t used_rows_locked() const;
  void save_if_changed();  // with mu_ held

  mutable std::mutex mu_;
  ResidentCatalog catalog_;
  ResidencyLog log_;
  std::vector<Span> scratch_;
  std::set<std::string> verified_;  // hashes read back and matched in this process
  uint32_t cursor_ = 0;             // next tile to try first
  // Per tile, per NVM row: programs so far (kWornOut: refused by the device);
  // empty until first needed.
  std::vector<std::vector<uint64_t>> wear_;
  ResidencyCounters counters_;
  bool dirty_ = false;  // the catalog differs from what was last saved
};

// The NvmResidency of `engine`'s device, shared by every caller in this
// process while one holds it: catalogued in `<nvm image>.resident.json` when
// the device's NVM persists (waiting up to `lock_timeout` for another process
// placing weights there), in memory otherwise.
std::shared_ptr<NvmResidency> residency_for(const MvmEngine& engine, ResidencyLog log,
                                            std::chrono::milliseconds lock_timeout);

}  // namespace hycim::cim
