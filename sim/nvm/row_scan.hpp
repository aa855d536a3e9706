// Reads every row block of an image in large chunks and decides, per row,
// which slot holds its contents. Shared by open() (which refuses a bad row)
// and verify() (which reports it).
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "sim/nvm/file_io.hpp"
#include "sim/nvm/format.hpp"

namespace hycim::nvm {

// The outcome for one physical row: the newest valid slot wins; on equal
// sequence numbers (a freshly created row) slot 0 does.
struct RowPick {
  uint32_t tile = 0;
  uint32_t row = 0;                 // physical: a spare is rows_per_tile + its index
  bool readable = false;            // at least one slot valid
  uint32_t current = 0;             // slot holding the row's contents, when readable
  uint64_t seq = 0;                 // its sequence number (the physical row's wear)
  float programmed_at = 0;          // the retention clock when it was written
  uint16_t holds = format::kNoRow;  // the logical row it carries
  bool other_valid = false;         // the other slot is intact too
  format::SlotCheck slots[2];
};

RowPick pick_row(uint32_t tile, uint32_t row, format::SlotCheck s0, format::SlotCheck s1);

// "tile 2 row 17", or "tile 2 row 9 (spare 1)" for a spare row.
std::string row_name(const Geometry& g, uint32_t tile, uint32_t row);

// "tile 2 row 17: slot 0 checksum mismatch; slot 1 bad slot magic"
std::string describe_slots(const Geometry& g, const RowPick& p);

// Calls visit for every physical row in order, spares included; the file
// must be at least format::file_bytes_for(g) long.
void scan_rows(int fd, const io::Path& path, const Geometry& g,
               const std::function<void(const RowPick&)>& visit);

}  // namespace hycim::nvm
