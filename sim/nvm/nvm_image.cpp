// Opening, reading and writing an existing image. Creating one is in
// nvm_image_create.cpp, spare rows in nvm_image_remap.cpp.
#include "sim/nvm/nvm_image.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "sim/nvm/format.hpp"
#include "sim/nvm/row_scan.hpp"

namespace hycim::nvm {
namespace {

[[noreturn]] void refuse(const io::Path& path, std::string_view block, std::string_view what) {
  throw NvmImageError(fmt::format("NVM image {}: {}: {}", path.string(), block, what));
}

// Reads and checks the header. A file too short to hold one, or without the
// magic, is called foreign before anything else is looked at.
format::FileHeader read_header(int fd, const io::Path& path, uint64_t size) {
  format::FileHeader h{};
  uint64_t have = std::min<uint64_t>(size, sizeof h);
  io::read_at(fd, {reinterpret_cast<uint8_t*>(&h), have}, 0, path);
  if (have < sizeof format::kMagic || std::memcmp(h.magic, format::kMagic, sizeof h.magic) != 0)
    refuse(path, "header", "bad magic: not a hycim NVM image");
  if (have < sizeof h) refuse(path, "header", fmt::format("truncated: file has {} bytes", size));
  if (std::string p = format::header_problem(h); !p.empty()) refuse(path, "header", p);
  return h;
}

// The file must be exactly as long as its geometry says; a short one names the
// first row block it cuts into.
void check_size(const io::Path& path, const Geometry& g, uint64_t size) {
  uint64_t want = format::file_bytes_for(g);
  if (size == want) return;
  if (size > want)
    refuse(path, "end of file",
           fmt::format("{} bytes of trailing data after the last row", size - want));
  if (size < format::kHeaderBlockBytes)
    refuse(path, "header", fmt::format("truncated: file has {} of {} bytes", size, want));
  uint64_t cut = (size - format::kHeaderBlockBytes) / format::row_block_bytes(g);
  const uint32_t per_tile = g.physical_rows_per_tile();
  refuse(path,
         row_name(g, static_cast<uint32_t>(cut / per_tile), static_cast<uint32_t>(cut % per_tile)),
         fmt::format("truncated: file has {} of {} bytes", size, want));
}

}  // namespace

NvmImage::NvmImage(std::filesystem::path path, io::UniqueFd fd, const Geometry& g)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      geometry_(g),
      rows_(g.physical_rows()),
      where_(g.rows()),
      spares_used_(g.tiles, 0),
      scratch_(format::slot_bytes_for(g.row_bytes)) {
  // Until a spare says otherwise, every row lives in its own place.
  for (uint64_t i = 0; i < where_.size(); ++i)
    where_[i] = static_cast<uint32_t>(i % g.rows_per_tile);
}

NvmImage::NvmImage(NvmImage&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(std::move(o.fd_)),
      geometry_(std::exchange(o.geometry_, {})),
      rows_(std::move(o.rows_)),
      where_(std::move(o.where_)),
      spares_used_(std::move(o.spares_used_)),
      fault_record_(std::move(o.fault_record_)),
      age_(o.age_),
      age_seq_(o.age_seq_),
      age_copy_(o.age_copy_),
      scratch_(std::move(o.scratch_)) {}

NvmImage& NvmImage::operator=(NvmImage&& o) noexcept {
  if (this != &o) {
    path_ = std::move(o.path_);
    fd_ = std::move(o.fd_);
    geometry_ = std::exchange(o.geometry_, {});
    rows_ = std::move(o.rows_);
    where_ = std::move(o.where_);
    spares_used_ = std::move(o.spares_used_);
    fault_record_ = std::move(o.fault_record_);
    age_ = o.age_;
    age_seq_ = o.age_seq_;
    age_copy_ = o.age_copy_;
    scratch_ = std::move(o.scratch_);
  }
  return *this;
}

NvmImage NvmImage::open(const std::filesystem::path& path) {
  io::UniqueFd fd = io::open_existing(path);
  io::lock_exclusive(fd.get(), path);
  uint64_t size = io::file_size(fd.get(), path);
  Geometry g = format::header_geometry(read_header(fd.get(), path, size));
  check_size(path, g, size);
  NvmImage image(path, std::move(fd), g);
  image.load_header_block();
  image.load_rows();
  return image;
}

NvmImage NvmImage::open_or_create(const std::filesystem::path& path, const Geometry& geometry,
                                  const std::string& fault_record) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Another process may create it first; then it is opened like any other.
    if (std::optional<NvmImage> created = try_create(path, geometry, fault_record))
      return std::move(*created);
  }
  NvmImage image = open(path);
  const Geometry& g = image.geometry();
  if (g != geometry)
    refuse(path, "header",
           fmt::format("geometry {}x{}x{} (tiles x rows x bytes), {} spare rows per tile, differs "
                       "from the requested {}x{}x{}, {} spare rows per tile; the image is left "
                       "as it is",
                       g.tiles, g.rows_per_tile, g.row_bytes, g.spare_rows, geometry.tiles,
                       geometry.rows_per_tile, geometry.row_bytes, geometry.spare_rows));
  return image;
}

void NvmImage::load_header_block() {
  std::vector<uint8_t> block(format::kHeaderBlockBytes);
  io::read_at(fd_.get(), block, 0, path_);
  std::string problem;
  fault_record_ = format::decode_fault_record(block, problem);
  if (!problem.empty()) refuse(path_, "header", problem);
  bool found = false;
  for (uint32_t copy = 0; copy < 2; ++copy) {
    format::AgeRecord a;
    if (!format::decode_age(std::span(block).subspan(format::kAgeRecordOffset[copy], sizeof a),
                            copy, a))
      continue;
    if (!found || a.seq > age_seq_) {
      age_ = {a.clock, a.seconds};
      age_seq_ = a.seq;
      age_copy_ = copy;
      found = true;
    }
  }
  if (!found) refuse(path_, "header", "both age records are damaged");
}

void NvmImage::set_age(const Age& age) {
  if (!(age.clock >= 0) || !(age.seconds >= 0))
    throw std::invalid_argument(fmt::format("NVM image {}: age clock {} after {} s", path_.string(),
                                            age.clock, age.seconds));
  const uint32_t target = 1u - age_copy_;
  std::vector<uint8_t> rec(sizeof(format::AgeRecord));
  format::encode_age(rec, target, age_seq_ + 1, age.clock, age.seconds);
  io::write_at(fd_.get(), rec, format::kAgeRecordOffset[target], path_);
  io::sync_data(fd_.get(), path_);
  age_ = age;
  age_seq_ += 1;
  age_copy_ = target;
}

void NvmImage::load_rows() {
  scan_rows(fd_.get(), path_, geometry_, [this](const RowPick& p) {
    if (!p.readable)
      throw NvmImageError(fmt::format("NVM image {}: {}: both slots are bad, the row is lost",
                                      path_.string(), describe_slots(geometry_, p)));
    rows_[physical_index(p.tile, p.row)] = {p.seq, p.programmed_at,
                                            static_cast<uint8_t>(p.current)};
    if (p.row >= geometry_.rows_per_tile && p.holds != format::kNoRow)
      adopt_spare(p.tile, p.row, p.holds);
  });
}

void NvmImage::check_tile(uint32_t tile) const {
  if (tile >= geometry_.tiles)
    throw std::out_of_range(fmt::format("NVM image {}: tile {} outside {} tiles", path_.string(),
                                        tile, geometry_.tiles));
}

uint64_t NvmImage::logical_index(uint32_t tile, uint32_t row) const {
  if (tile >= geometry_.tiles || row >= geometry_.rows_per_tile)
    throw std::out_of_range(fmt::format("NVM image {}: tile {} row {} outside {} tiles x {} rows",
                                        path_.string(), tile, row, geometry_.tiles,
                                        geometry_.rows_per_tile));
  return uint64_t{tile} * geometry_.rows_per_tile + row;
}

uint64_t NvmImage::physical_index(uint32_t tile, uint32_t physical_row) const {
  return uint64_t{tile} * geometry_.physical_rows_per_tile() + physical_row;
}

const NvmImage::RowState& NvmImage::state(uint32_t tile, uint32_t row) const {
  return rows_[physical_index(tile, where_[logical_index(tile, row)])];
}

void NvmImage::check_buffer(std::string_view what, size_t bytes) const {
  if (bytes != geometry_.row_bytes)
    throw std::invalid_argument(
        fmt::format("NVM image {}: {} bytes given, rows are {}", what, bytes, geometry_.row_bytes));
}

uint64_t NvmImage::wear(uint32_t tile, uint32_t row) const {
  return state(tile, row).seq;
}

float NvmImage::programmed_at(uint32_t tile, uint32_t row) const {
  return state(tile, row).programmed_at;
}

void NvmImage::read_row(uint32_t tile, uint32_t row, std::span<uint8_t> out) const {
  const uint32_t at = where_[logical_index(tile, row)];
  const RowState& s = rows_[physical_index(tile, at)];
  check_buffer("read_row", out.size());
  io::read_at(fd_.get(), scratch_, format::slot_offset(geometry_, tile, at, s.current), path_);
  format::SlotCheck c = format::check_slot(scratch_, geometry_, tile, at, s.current);
  if (!c.valid || c.seq != s.seq || c.holds != row)
    refuse(path_,
           at == row ? fmt::format("tile {} row {}", tile, row)
                     : fmt::format("tile {} row {} (on spare {}, row {})", tile, row,
                                   at - geometry_.rows_per_tile, at),
           fmt::format("slot {} changed on disk behind the open image ({})", s.current,
                       !c.valid         ? c.problem
                       : c.seq != s.seq ? fmt::format("seq {} instead of {}", c.seq, s.seq)
                                        : fmt::format("holds row {}", c.holds)));
  auto payload = format::slot_payload(scratch_, geometry_.row_bytes);
  std::copy(payload.begin(), payload.end(), out.begin());
}

void NvmImage::write_row(uint32_t tile, uint32_t row, std::span<const uint8_t> data,
                         float programmed_at, uint32_t pulses) {
  const uint32_t at = where_[logical_index(tile, row)];
  check_buffer("write_row", data.size());
  write_slot(tile, at, static_cast<uint16_t>(row), data, programmed_at, pulses);
}

void NvmImage::write_slot(uint32_t tile, uint32_t physical_row, uint16_t holds,
                          std::span<const uint8_t> data, float programmed_at, uint32_t pulses) {
  // The sequence number is the wear and picks the newer slot: it must grow.
  if (pulses == 0)
    throw std::invalid_argument(
        fmt::format("NVM image {}: a write of tile {} row {} with no "
                    "program pulse",
                    path_.string(), tile, holds));
  RowState& s = rows_[physical_index(tile, physical_row)];
  // A sequence number that wrapped would lose to the slot it replaces on the
  // next open: the write would silently not have happened.
  uint64_t seq = 0;
  if (__builtin_add_overflow(s.seq, uint64_t{pulses}, &seq))
    refuse(path_, row_name(geometry_, tile, physical_row),
           fmt::format("wear counter full ({} program pulses, {} more do not fit)", s.seq, pulses));
  // The slot not holding the newest contents is the only one ever written, so
  // until fdatasync returns the old contents stay intact in the other slot.
  uint32_t target = 1u - s.current;
  format::encode_slot(scratch_, tile, physical_row, target, holds, seq, data, programmed_at);
  io::write_at(fd_.get(), scratch_, format::slot_offset(geometry_, tile, physical_row, target),
               path_);
  io::sync_data(fd_.get(), path_);
  s = {seq, programmed_at, static_cast<uint8_t>(target)};
}

}  // namespace hycim::nvm
