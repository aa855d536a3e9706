// The NVM rows of every tile of one device, kept in an image file so that they
// survive the process: a device opened again on the same file sees the same
// weights and the same wear. Layout and crash-safety argument: docs/nvm-image.md.
//
// Guarantees:
//  - write_row is durable when it returns, and a kill at any instant during it
//    leaves that row with its old or its new contents, never a mix, and no
//    other row touched;
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
  // Stores new contents and adds one to the row's wear; durable on return.
  // On an exception the row keeps its old contents in this object; on disk it
  // holds the old or the new ones.
  void write_row(uint32_t tile, uint32_t row, std::span<const uint8_t> data,
                 float programmed_at = 0);

  // Re-reads the whole file and reports every problem it finds instead of
  // throwing (it throws only when the file cannot be read at all).
  VerifyReport verify() const;

 private:
  struct RowState {
    uint64_t seq = 0;  // the row's wear
    float programmed_at = 0;
    uint8_t current = 0;  // slot holding its contents; writes go to the other
  };

  NvmImage(std::filesystem::path path, io::UniqueFd fd, const Geometry& g);
  static std::optional<NvmImage> try_create(const std::filesystem::path& path,
                                            const Geometry& geometry,
                                            const std::string& fault_record);
  void load_header_block();
  void load_rows();
  uint64_t index(uint32_t tile, uint32_t row) const;

  std::filesystem::path path_;
  io::UniqueFd fd_;
  Geometry geometry_;
  std::vector<RowState> rows_;
  std::string fault_record_;
  Age age_;
  uint64_t age_seq_ = 0;
  uint32_t age_copy_ = 0;  // copy holding age_; set_age writes the other
  // One slot's bytes, reused so a row access does not allocate.
  mutable std::vector<uint8_t> scratch_;
};

}  // namespace hycim::nvm
