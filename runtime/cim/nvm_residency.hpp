// Where weight blocks go in a device's NVM, and whether they must be
// programmed at all. A constant block (an initializer) is looked up by
// content hash in the residency catalog; if listed, its rows are read back
// and compared, and on a match it is used as it is: no programming, no wear.
// Otherwise it gets free rows and is programmed and catalogued.
//
// Placement is dense: the free rows are kept as gaps indexed by length
// (free_rows.hpp) and a block takes the shortest gap it fits in (best fit;
// equal gaps rotate over the tiles, so a layer's blocks run side by side).
// place_all() places a whole model's blocks at once, largest first (best fit
// decreasing), and can refuse before programming anything when they do not
// all fit. Within the chosen gap the block takes the window whose most-worn
// row has the least wear (the device's wear counters, read once per tile),
// so programs spread over the NVM instead of wearing out its first rows. A
// row the device reports worn out is never offered again.
// When no gap is long enough, the least recently used blocks of earlier
// processes are evicted, each one logged. Per-run blocks (activation x
// activation MatMul operands) and streamed weights get scratch rows that
// release_scratch() frees.
//
// Row ownership (docs/driver.md "Row ownership"): NVM rows belong to an owner
// identity, and the catalog lists every owner's blocks. Each tile's row
// access is asked once per process (lazily, like the wear). Rows of other
// owners are never offered for placement and their blocks never evicted or
// erased; released rows count as free (programming claims them). A block
// catalogued on another owner's rows is used only when that owner shares it
// read-only (read back and verified as any found block); with
// set_share_constants() this owner shares the constant blocks it programs or
// finds as its own.
//
// NVM rows belong to the device and its owners, not to a context, so every
// backend of this process on one device and owner shares one NvmResidency
// (residency_for()).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cim/free_rows.hpp"
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
  // `spread`: tiles to avoid when another has room (the tiles the block's
  // matrix already uses).
  std::pair<uint32_t, uint32_t> place(MvmEngine& engine, std::span<const uint8_t> rows,
                                      const std::string& label, bool constant, const void* owner,
                                      const std::set<uint32_t>* spread = nullptr);
  // Places constant blocks together: those found resident stay where they
  // are, the others go largest first into the shortest gap each fits in.
  // A block that finds no room (after evicting earlier processes' blocks)
  // gets nullopt; with `all_or_nothing` the call instead throws EngineError
  // naming the shortfall, before anything is programmed or evicted.
  struct Request {
    std::span<const uint8_t> rows;  // whole rows of `lanes` bytes
    std::string label;
    size_t group = 0;  // blocks of one group (a matrix) prefer different tiles
  };
  std::vector<std::optional<std::pair<uint32_t, uint32_t>>> place_all(
      MvmEngine& engine, std::span<const Request> blocks, bool all_or_nothing);
  // What place_all would find, without placing anything: rows the blocks not
  // yet resident need, and how many of them would find no room.
  struct Shortfall {
    uint64_t rows_needed = 0, rows_short = 0, free_rows = 0, evictable_rows = 0;
    uint64_t foreign_rows = 0;                      // other owners' rows: never free, never evicted
    std::string describe(const Geometry& g) const;  // the refusal's message
  };
  Shortfall shortfall(MvmEngine& engine, std::span<const Request> blocks);
  // Takes up to `tiles` whole tiles (the last ones) as scratch rows of
  // `owner`, evicting earlier processes' blocks there (logged); worn-out rows
  // stay out. Returns, per tile taken, its free runs (tile, first row, rows).
  std::vector<Gap> reserve_tiles(MvmEngine& engine, uint32_t tiles, const void* owner);
  void release_scratch(const void* owner);
  // A block found in the catalog is read back and compared before it is used
  // (the default), or trusted as catalogued: faster, and what an experiment
  // on the aged cells themselves wants (the device's ECC still guards every
  // MVM). The setting stays for the process's residency of this device.
  void set_verify_found(bool verify);
  // Constant blocks this residency programs, or finds on this owner's rows,
  // are shared read-only with every owner (MvmEngine::share_rows), so
  // another owner placing identical weights uses them instead of its own
  // copy. Shared rows stay shared until erased or evicted by their owner.
  void set_share_constants(bool share);
  // For a device group: each member's first tile and owner identity, so the
  // blocks programmed or claimed on a member's tiles name that member's
  // owner in its catalog (without it, MvmEngine::owner()).
  void set_member_owners(std::vector<std::pair<uint32_t, std::string>> owners);
  // Reads every catalogued block this owner may read back through `engine`:
  // true where the rows still hold the bytes of the block's hash; false for
  // a block on released rows. Blocks on other owners' unshared rows are
  // left out.
  std::vector<std::pair<ResidentBlock, bool>> verify(MvmEngine& engine);
  // Drops this owner's blocks that `which` selects from the catalog; with
  // `wipe` their rows are first programmed to zero. Either way the rows are
  // then released (MvmEngine::release_rows), so any owner may use them.
  // Returns them; blocks `which` selects on other owners' rows stay, are
  // logged and listed in `skipped`.
  std::vector<ResidentBlock> erase(MvmEngine& engine,
                                   const std::function<bool(const ResidentBlock&)>& which,
                                   bool wipe, std::vector<ResidentBlock>* skipped = nullptr);
  // How `engine`'s owner may use tile `tile`'s NVM rows, as this residency
  // last learnt (asked once per process; kept up to date with what it
  // programs, shares and releases).
  std::vector<driver::RowAccess> row_access(MvmEngine& engine, uint32_t tile);
  // Writes the catalog now if anything in it changed (after a run).
  void save();

  // A copy of the catalogued blocks, and counters since this process started.
  std::vector<ResidentBlock> blocks() const;
  ResidencyCounters counters() const;
  uint32_t used_rows() const;
  // NVM rows neither used nor worn out nor (once the row access is known)
  // another owner's.
  uint64_t free_rows() const;
  const Geometry& geometry() const { return catalog_.geometry(); }
  const std::filesystem::path& catalog_path() const { return catalog_.path(); }

 private:
  struct Span {
    uint32_t tile, row, rows;
    const void* owner;
  };
  // How find_room chooses a gap: kBestFit the shortest one on a tile not in
  // `spread` (else any); kDense the shortest, `spread` only breaking ties
  // (the densest packing); kSpread the longest on a tile not in `spread`.
  enum class Fit { kBestFit, kDense, kSpread };
  static std::optional<Gap> choose(const FreeRows& free, uint32_t rows, uint32_t from_tile,
                                   const std::set<uint32_t>* spread, Fit fit);
  bool find_room(MvmEngine& engine, uint32_t rows, std::pair<uint32_t, uint32_t>* at,
                 const std::set<uint32_t>* spread = nullptr, Fit fit = Fit::kBestFit);
  std::vector<uint64_t>& wear_of(MvmEngine& engine, uint32_t tile);
  // What this owner may do with a catalogued block's rows: kOwn (its own or
  // nobody's: use, evict, erase), kReadable (another owner's, shared: use
  // only), kForeign (another owner's: leave alone), kStale (released: the
  // entry is out of date).
  enum class Use { kOwn, kReadable, kForeign, kStale };
  Use use_of(const ResidentBlock& b) const;
  // Asks every tile's row access once and takes other owners' rows out of
  // the free map.
  void load_access(MvmEngine& engine);
  void reload_access(MvmEngine& engine, uint32_t tile);  // after a ROW_DENIED
  void set_access(uint32_t tile, uint32_t row, uint32_t rows, driver::RowAccess a);
  // Takes the share back of this owner's shared rows in the range, so they
  // may be programmed.
  void make_programmable(MvmEngine& engine, uint32_t tile, uint32_t row, uint32_t rows);
  uint64_t foreign_rows() const;
  std::string owner_at(const MvmEngine& engine, uint32_t tile) const;  // set_member_owners
  std::string no_room(const std::string& label, uint32_t rows) const;  // place's refusal
  bool evict_one(const std::string& why);
  void drop_block(std::vector<ResidentBlock>::iterator it);  // rows become free
  // The catalogued block holding `hash` if its rows still hold `rows` (read
  // back once per process); a stale entry is dropped. Counts and marks use.
  std::optional<std::pair<uint32_t, uint32_t>> find_resident(MvmEngine& engine,
                                                             std::span<const uint8_t> rows,
                                                             const std::string& hash, uint32_t n);
  // Programs `rows` at `at` (moving on when a row turns out worn out) and
  // records the block.
  std::pair<uint32_t, uint32_t> program_at(MvmEngine& engine, std::span<const uint8_t> rows,
                                           std::pair<uint32_t, uint32_t> at,
                                           const std::string& label, const std::string& hash,
                                           bool constant, const void* owner);
  FreeRows& free_map();  // built from the catalog and scratch on first use
  // Placing the blocks `order` lists (indices into blocks/sizes) on paper, spread or
  // dense; catalogued blocks with a hash in `keep` are not evictable.
  Shortfall trial(std::span<const size_t> order, std::span<const Request> blocks,
                  std::span<const uint32_t> sizes, const std::vector<std::string>& keep,
                  bool spread);
  // Blocks of `blocks` not catalogued, largest first; fills their hashes and sizes.
  std::vector<size_t> to_place(std::span<const Request> blocks, std::vector<std::string>& hashes,
                               std::vector<uint32_t>& sizes) const;
  uint32_t used_rows_locked() const;
  void save_if_changed();  // with mu_ held

  mutable std::mutex mu_;
  ResidentCatalog catalog_;
  ResidencyLog log_;
  std::vector<Span> scratch_;
  // (tile, row) of blocks read back and matched in this process.
  std::set<std::pair<uint32_t, uint32_t>> verified_;
  bool verify_found_ = true;
  bool share_constants_ = false;
  std::vector<std::pair<uint32_t, std::string>> member_owners_;  // first tile, owner
  // Per tile, per NVM row: this owner's access (empty until first needed).
  std::vector<std::vector<driver::RowAccess>> access_;
  uint32_t cursor_ = 0;           // tile to try first among equal gaps
  std::optional<FreeRows> free_;  // rows not catalogued, not scratch, not worn out
  // Per tile, per NVM row: programs so far (kWornOut: refused by the device);
  // empty until first needed.
  std::vector<std::vector<uint64_t>> wear_;
  ResidencyCounters counters_;
  bool dirty_ = false;  // the catalog differs from what was last saved
};

// The NvmResidency of `engine`'s device and owner, shared by every caller in
// this process while one holds it: catalogued in `<nvm image>.resident.json`
// when the device's NVM persists (waiting up to `lock_timeout` for another
// process placing weights there), in memory otherwise. For a device group
// (MultiDeviceEngine) each member with an image keeps its own catalog there
// in its own tile numbers (ResidentCatalog::open_group, locked in the order
// of their paths) and the others' part stays in memory, so a later process
// finds the group's blocks by content hash in any member order. One owner
// and one device or group at a time catalogues a persistent image in a
// process: asking for another owner's, or for a group sharing an image with
// one held in this process, throws EngineError naming both.
std::shared_ptr<NvmResidency> residency_for(const MvmEngine& engine, ResidencyLog log,
                                            std::chrono::milliseconds lock_timeout);

}  // namespace hycim::cim
