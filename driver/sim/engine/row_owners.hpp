// Who may use each NVM row of the device (docs/driver.md "Row ownership").
//
// The device is shared by contexts of any number of clients; its NVM rows
// belong to owner identities ("uid:U/NAMESPACE", driver.hpp), not to one
// context, so an owner finds its weights again from a later process. The
// engine asks admit() about every command record before it reaches the
// device: a command touching a row its owner may not use never runs and
// completes ROW_DENIED. Rows are claimed on first use (the device allocates
// rows as they are touched, like pages on first fault), given back with
// set_rows(kRelease) and shared read-only with set_rows(kShare).
//
// Rules, per NVM row (RowAccess names the states as one owner sees them):
//   PROGRAM_NVM     claims free and released rows; mine: ok; shared (mine
//                   too) or another's: refused
//   reads           (MVM/EMUL weights, READ_SRAM of NVM rows) claim free
//                   rows; mine, shared: ok; another's, released: refused
//   SCRUB           free, released, mine: ok, claims nothing; another's
//                   (shared or not): refused
//   READ_WEAR       any row: wear is the hardware's health, not data
// A record the device itself refuses from its fields alone (check_record) is
// let through untouched, so it gets the device's own status.
//
// With an NVM image the table persists beside it (`<image>.owners.json`,
// written atomically whenever it changed, before the commands that changed it
// run), so rows stay their owner's across daemon restarts; an image written
// before ownership existed starts with every row free.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.hpp"
#include "hycim/spec/device_spec.hpp"
#include "hycim/spec/tile_spec.hpp"

namespace hycim::driver {

class RowOwners {
 public:
  // `store` empty: the table lives in memory only. Otherwise it is read from
  // there if it exists; throws DriverError(kInvalid) naming the file and the
  // problem when it cannot be read or was made for another device.
  RowOwners(const spec::TileConfig& tile, uint32_t tiles, std::filesystem::path store);

  // The id of an owner identity, interned; 0 is nobody. nullopt when the
  // table holds as many owners as an id can name.
  std::optional<uint16_t> intern(const std::string& owner);
  const std::string& name(uint16_t id) const { return names_.at(id); }

  // What record `c` may do for owner `who`: nullopt when it may run (free
  // rows it uses are now `who`'s, and the SRAM rows (tile, row) it reads or
  // writes are appended to *sram), else tile << 32 | row of the first row
  // refused (nothing claimed then). A record the device refuses from its
  // fields alone runs and touches no row. One call per command: it is on the
  // engine's hot path.
  std::optional<uint64_t> admit(const spec::device::CommandRecord& c, uint16_t who,
                                std::vector<std::pair<uint32_t, uint32_t>>* sram = nullptr);

  RowAccess access(uint32_t tile, uint32_t row, uint16_t who) const;
  // kInvalid (rows outside the tile's NVM rows), kPermission (a row not
  // `who`'s, or shared when releasing; nothing changes), kOk.
  Status set_rows(uint32_t tile, uint32_t row, uint32_t count, RowsOp op, uint16_t who);
  uint32_t rows_owned(uint16_t who) const;

  // Writes the table if it changed since the last save (no-op in memory).
  // Throws DriverError(kIo) naming the file when it cannot be stored.
  void save_if_changed();
  // Grows with every change to the table: a command that changed it claimed rows.
  uint64_t changes() const { return changes_; }
  const std::filesystem::path& store() const { return store_; }

 private:
  enum class State : uint8_t { kFree = 0, kOwned = 1, kShared = 2, kReleased = 3 };
  struct Row {
    uint16_t owner = 0;
    State state = State::kFree;
  };
  enum class Use { kRead, kProgram, kScrub };
  Row& at(uint32_t tile, uint32_t row) { return rows_[size_t{tile} * nvm_rows_ + row]; }
  const Row& at(uint32_t tile, uint32_t row) const { return rows_[size_t{tile} * nvm_rows_ + row]; }
  // First row of [row, row + count) that `who` may not use as `use`.
  std::optional<uint32_t> refused(uint32_t tile, uint32_t row, uint32_t count, Use use,
                                  uint16_t who) const;
  void claim(uint32_t tile, uint32_t row, uint32_t count, Use use, uint16_t who);
  void add_sram_rows(const spec::device::CommandRecord& c,
                     std::vector<std::pair<uint32_t, uint32_t>>* out) const;
  void load();
  std::string to_json() const;

  spec::TileConfig tile_;
  uint32_t tiles_, nvm_rows_;
  std::filesystem::path store_;
  std::vector<Row> rows_;           // tiles x NVM rows
  std::vector<std::string> names_;  // by id; names_[0] = "" (nobody)
  bool dirty_ = false;
  uint64_t changes_ = 0;
};

// `<nvm image>.owners.json`: where the row-owner table of a persistent device lives.
std::filesystem::path row_owners_path_for(const std::filesystem::path& nvm_image);

}  // namespace hycim::driver
