// Weights streamed through NVM when a model is larger than the device: a
// region of tile rows (reserved whole tiles, NvmResidency::reserve_tiles) is
// reprogrammed with one group of blocks after another. A group is as many
// of a matrix's blocks as the region holds at once; each group is programmed
// (one PROGRAM_NVM per block, all tiles at once) and then multiplied by every
// input row of the call (the whole batch) before the next group replaces it,
// so a streamed weight is written once per multiply, never per input row.
// The cost (rows written, their cycles, time and energy) lands in the stats
// of the node that streamed, and `rows_written()` counts it for the report.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "runtime/cim/free_rows.hpp"
#include "runtime/cim/mvm_engine.hpp"

namespace hycim::cim {

class WeightStream {
 public:
  explicit WeightStream(std::vector<Gap> region);

  // Splits blocks of `sizes[i]` rows, in order, into groups that fit the
  // region together, and calls `group(which, where)` for each: `which` the
  // block indices, `where` their (tile, first row). Throws EngineError for a
  // block longer than every run of the region.
  using Group =
      std::function<void(std::span<const size_t>, std::span<const std::pair<uint32_t, uint32_t>>)>;
  void for_each_group(std::span<const uint32_t> sizes, const Group& group);

  // Programs one group's blocks (all tiles at once), through the accounting
  // hook when one is set (the backend charges it to NVM programming).
  void program(MvmEngine& engine, std::span<const ProgramJob> jobs);
  using Accounting = std::function<void(const std::function<void()>&)>;
  void set_accounting(Accounting a) { account_ = std::move(a); }

  uint32_t region_tiles() const;
  uint64_t region_rows() const;
  uint64_t rows_written() const { return rows_written_; }
  uint64_t groups() const { return groups_; }
  // Streamed multiplies of concurrent callers take turns in the region.
  std::mutex& mutex() { return mu_; }

 private:
  std::vector<Gap> region_;
  Accounting account_;
  uint64_t rows_written_ = 0, groups_ = 0;
  std::mutex mu_;
};

}  // namespace hycim::cim
