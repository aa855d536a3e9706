// What the NVM cells of a row hold, given what was programmed into them and
// the fault model (sim/tech/nvm_faults.hpp), and what the row reads back as
// through the ECC. Every fault is a pure function of (seed, tile, row, the
// row's wear, cell): nothing random is stored, so a device reopened on the
// same image, or an RTL-backed device beside a model-backed one, sees exactly
// the same bad bits. docs/device.md "NVM faults" gives the model.
//
// Per cell, in this order:
//  - stuck at 0 or 1 (drawn once per cell of the device, never changes);
//  - a program error: after program number `wear` the cell holds the wrong
//    value with probability write_error_at(wear - 1);
//  - retention loss and read disturb (towards the model's flips_to state
//    only, when it names one): the cell flips once the hazard the row
//    has accumulated since its last program exceeds the cell's own draw
//    (an exponential variable), so flips only ever add up as the row ages.
// Stuck cells neither take program errors nor flip.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/nvm/secded.hpp"
#include "sim/tech/nvm_faults.hpp"

namespace hycim::nvm {

enum class Protection { kNone, kSecded };
// "none" / "secded"; std::invalid_argument naming the value otherwise.
Protection parse_protection(const std::string& name);
const char* to_string(Protection p);

// Everything that decides a device's faults; stored in its NVM image.
struct FaultSetup {
  tech::NvmFaults model;
  uint64_t seed = 1;
  Protection ecc = Protection::kSecded;
  // Spare NVM rows per tile: a row that still fails write-verify after its
  // retries moves to the next free one (row redundancy). Part of the array
  // (its cells fault like any row's), so fixed when the image is created.
  uint32_t spare_rows = 0;
};
// More spare rows than this per tile is a typo, not a design.
inline constexpr uint32_t kMaxSpareRows = 4096;

// The text an NVM image keeps of a setup (compact JSON: the model's values,
// not their sources), and back; an empty record is no faults (nullopt).
// std::invalid_argument naming the problem for a damaged record.
std::string to_record(const FaultSetup& setup);
std::optional<FaultSetup> from_record(const std::string& record);

// How a row reads back.
enum class RowHealth {
  kClean,          // the cells hold what was programmed (or ECC is off and they do not:
                   // the device cannot tell; `wrong_bits` can)
  kCorrected,      // ECC corrected one bit
  kUncorrectable,  // ECC saw an error it cannot correct: the row must not be used
};
const char* to_string(RowHealth h);

struct SensedRow {
  std::vector<uint8_t> lanes;  // what the row reads as (ECC applied), LANES values
  RowHealth health = RowHealth::kClean;
  uint32_t wrong_bits = 0;  // cells (data and check) not holding their programmed value
  // The hazard at which the next cell of this row flips: until the row's
  // hazard reaches it, sensing it again gives the same answer.
  double next_flip_hazard = 0;
};

class CellFaults {
 public:
  // Rows of `lanes` values of `wbits` bits each: LANES x WBITS data cells,
  // plus the check cells when the setup protects them.
  CellFaults(FaultSetup setup, uint32_t lanes, uint32_t wbits);

  const FaultSetup& setup() const { return setup_; }
  uint32_t data_cells() const { return lanes_ * wbits_; }
  uint32_t check_cells() const { return codec_ ? codec_->check_bits() : 0; }

  // The row `programmed` (LANES values, low WBITS bits) after its program
  // number `wear` (1 = the first), with `hazard` accumulated since.
  void sense(uint32_t tile, uint32_t row, std::span<const uint8_t> programmed, uint64_t wear,
             double hazard, SensedRow& out) const;

  // Stuck cells of one row, for reports: (cell, value) pairs.
  std::vector<std::pair<uint32_t, bool>> stuck_cells(uint32_t tile, uint32_t row) const;

 private:
  // -1: cell `cell` of the row whose stuck-cell key is `key` works; else
  // the value it is stuck at.
  int stuck_at(uint64_t key, uint32_t cell) const;

  FaultSetup setup_;
  uint32_t lanes_;
  uint32_t wbits_;
  std::optional<Secded> codec_;
  double stuck0_, stuck1_;
};

}  // namespace hycim::nvm
