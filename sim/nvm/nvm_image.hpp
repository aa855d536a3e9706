// The NVM rows of every tile of one device, kept in an image file so that they
// survive the process: a device opened again on the same file sees the same
// weights and the same wear. Layout and crash-safety argument: docs/nvm-image.md.
//
// Rows are addressed as the device sees them (row < rows_per_tile). Each tile
// also has spare_rows spare rows; remap_row moves a failing row to the next
// free one, and from then on the row's address reads and writes the spare.
//
// Guarantees:
//  - write_row and remap_row are durable when they return, and a kill at any
//    instant during one leaves that row with its old or its new contents (and
//    place), never a mix, and no other row touched;
//  - open refuses a damaged or foreign file with an NvmImageError naming the
//    file and the block, and never writes to it;
//  - one NvmImage per file at a time (exclusive flock): a second open, from
//    this or another process, is refused.
//
// An NvmImage is used from one thread (the device that owns it).
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/nvm/error.hpp"
#include "sim/nvm/file_io.hpp"
#include "sim/nvm/geometry.hpp"
#include "sim/nvm/verify_report.hpp"

namespace hycim::nvm {

class NvmImage {
 public:
  // A new image, every row zero with wear 0, age 0. Throws NvmImageError if
  // the file exists (it is never replaced) or the geometry is invalid. The
  // file appears under `path` only once it is complete. `fault_record` is
  // kept with the image for good (format::kMaxFaultRecordBytes at most).
  static NvmImage create(const std::filesystem::path& path, const Geometry& geometry,
                         const std::string& fault_record = {});
  // An existing image, geometry from its header, every block checked.
  static NvmImage open(const std::filesystem::path& path);
  // open() if the file exists, else create(). An existing image with another
  // geometry is refused (NvmImageError), not overwritten.
  static NvmImage open_or_create(const std::filesystem::path& path, const Geometry& geometry,
                                 const std::string& fault_record = {});

  // A moved-from image has no rows: every row access throws std::out_of_range.
  NvmImage(NvmImage&& o) noexcept;
  NvmImage& operator=(NvmImage&& o) noexcept;

  const Geometry& geometry() const { return geometry_; }
  const std::filesystem::path& path() const { return path_; }
  // What the device faults by (given at create; empty: no faults).
  const std::string& fault_record() const { return fault_record_; }

  // How long the device has aged (format::AgeRecord): durable on return of
  // set_age, and a kill during it leaves the old or the new age.
  struct Age {
    double clock = 0;    // retention hazard accumulated by ageing
    double seconds = 0;  // seconds of ageing
  };
  Age age() const { return age_; }
  void set_age(const Age& age);

  // Copies the row's contents into out (exactly row_bytes long). Throws
  // std::out_of_range / std::invalid_argument on a bad address or size, and
  // NvmImageError if the row's block changed on disk behind this image.
  void read_row(uint32_t tile, uint32_t row, std::span<uint8_t> out) const;
  // Times the row has been written since the image was created.
  uint64_t wear(uint32_t tile, uint32_t row) const;
  // The retention clock the row was last written at (write_row's argument).
  float programmed_at(uint32_t tile, uint32_t row) const;
  // Stores new contents and adds `pulses` (at least 1: the program pulses
  // the contents took, write-verify's repeats included) to the row's wear;
  // durable on return. On an exception the row keeps its old contents in
  // this object; on disk it holds the old or the new ones.
  void write_row(uint32_t tile, uint32_t row, std::span<const uint8_t> data,
                 float programmed_at = 0, uint32_t pulses = 1);

  // Where the row lives: the row itself, or rows_per_tile + s on spare s.
  uint32_t physical_row(uint32_t tile, uint32_t row) const;
  // Spares of the tile ever claimed: 1 + the highest spare index holding a
  // row, 0 when none. Spares are claimed in ascending order and never given
  // back, so the next free one is rows_per_tile + spares_used(tile).
  uint32_t spares_used(uint32_t tile) const;
  // Moves the row to the tile's next free spare with `data` as its contents:
  // the spare's wear + `pulses` (as write_row), durable on return; from then on
  // the row reads, writes and wears on the spare. A row already on a spare
  // moves to the next one. Throws NvmImageError when the tile has no free
  // spare, std::out_of_range / std::invalid_argument as write_row. A kill at
  // any instant leaves the row in its old place with its old contents or on
  // the new spare with `data`.
  void remap_row(uint32_t tile, uint32_t row, std::span<const uint8_t> data,
                 float programmed_at = 0, uint32_t pulses = 1);
  struct Remap {
    uint32_t row;        // the logical row
    uint32_t spare_row;  // the physical row it lives on (physical_row)
    uint64_t wear;       // the spare's wear (= wear(tile, row))
    friend bool operator==(const Remap&, const Remap&) = default;
  };
  // The tile's rows that live on a spare, in row order.
  std::vector<Remap> remaps(uint32_t tile) const;

  // Re-reads the whole file and reports every problem it finds instead of
  // throwing (it throws only when the file cannot be read at all).
  VerifyReport verify() const;

 private:
  // One physical row (spares included).
  struct RowState {
    uint64_t seq = 0;  // the physical row's wear
    float programmed_at = 0;
    uint8_t current = 0;  // slot holding its contents; writes go to the other
  };

  NvmImage(std::filesystem::path path, io::UniqueFd fd, const Geometry& g);
  static std::optional<NvmImage> try_create(const std::filesystem::path& path,
                                            const Geometry& geometry,
                                            const std::string& fault_record);
  void load_header_block();
  void load_rows();
  // A spare found holding `holds` when the image is loaded: scanned in
  // ascending order, so the highest spare holding a row wins.
  void adopt_spare(uint32_t tile, uint32_t spare_row, uint16_t holds);
  void check_tile(uint32_t tile) const;
  // Index of a logical row into where_; throws std::out_of_range when outside.
  uint64_t logical_index(uint32_t tile, uint32_t row) const;
  // Index of a physical row into rows_.
  uint64_t physical_index(uint32_t tile, uint32_t physical_row) const;
  const RowState& state(uint32_t tile, uint32_t row) const;
  void check_buffer(std::string_view what, size_t bytes) const;
  // Writes the slot of a physical row that does not hold its newest contents,
  // then fdatasyncs, then makes it current.
  void write_slot(uint32_t tile, uint32_t physical_row, uint16_t holds,
                  std::span<const uint8_t> data, float programmed_at, uint32_t pulses);

  std::filesystem::path path_;
  io::UniqueFd fd_;
  Geometry geometry_;
  std::vector<RowState> rows_;         // per physical row, tile-major
  std::vector<uint32_t> where_;        // per logical row: the physical row holding it
  std::vector<uint32_t> spares_used_;  // per tile
  std::string fault_record_;
  Age age_;
  uint64_t age_seq_ = 0;
  uint32_t age_copy_ = 0;  // copy holding age_; set_age writes the other
  // One slot's bytes, reused so a row access does not allocate.
  mutable std::vector<uint8_t> scratch_;
};

}  // namespace hycim::nvm
