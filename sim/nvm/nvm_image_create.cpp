// Creating an image. The file is written in full under a temporary name in the
// same directory, made durable, then linked to its final name: link() fails
// when the name exists, so an existing file is never replaced, and a crash
// mid-create leaves no half-written image under the real name.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"

namespace hycim::nvm {
namespace {

constexpr uint64_t kChunkBytes = 1 << 20;

// Removes the temporary name on every path out of try_create.
struct UnlinkOnExit {
  std::string path;
  ~UnlinkOnExit() { ::unlink(path.c_str()); }
};

[[noreturn]] void fail(const io::Path& path, std::string_view what, int err) {
  throw NvmImageError(
      fmt::format("NVM image {}: cannot create: {}: {}", path.string(), what, std::strerror(err)));
}

// Header block, then every physical row with both slots valid, zero,
// sequence 0: a row holding itself, a spare holding no row.
void write_fresh_image(int fd, const io::Path& path, const Geometry& g,
                       const std::string& fault_record) {
  std::vector<uint8_t> header(format::kHeaderBlockBytes, 0);
  format::FileHeader h = format::make_header(g);
  std::memcpy(header.data(), &h, sizeof h);
  format::encode_fault_record(header, fault_record);
  format::encode_age(std::span(header).subspan(format::kAgeRecordOffset[0]), 0, 0, 0, 0);
  io::write_at(fd, header, 0, path);

  const uint64_t block = format::row_block_bytes(g);
  const uint32_t slot = format::slot_bytes_for(g.row_bytes);
  const uint64_t rows_per_chunk = std::max<uint64_t>(1, kChunkBytes / block);
  const std::vector<uint8_t> zeros(g.row_bytes, 0);
  std::vector<uint8_t> chunk(rows_per_chunk * block);
  const uint32_t per_tile = g.physical_rows_per_tile();
  for (uint64_t first = 0; first < g.physical_rows(); first += rows_per_chunk) {
    uint64_t n = std::min(rows_per_chunk, g.physical_rows() - first);
    for (uint64_t i = 0; i < n; ++i) {
      auto tile = static_cast<uint32_t>((first + i) / per_tile);
      auto row = static_cast<uint32_t>((first + i) % per_tile);
      auto holds = row < g.rows_per_tile ? static_cast<uint16_t>(row) : format::kNoRow;
      std::span<uint8_t> b(chunk.data() + i * block, block);
      format::encode_slot(b.first(slot), tile, row, 0, holds, 0, zeros);
      format::encode_slot(b.subspan(slot, slot), tile, row, 1, holds, 0, zeros);
    }
    io::write_at(fd, std::span(chunk.data(), n * block), format::kHeaderBlockBytes + first * block,
                 path);
  }
}

}  // namespace

std::optional<NvmImage> NvmImage::try_create(const std::filesystem::path& path,
                                             const Geometry& geometry,
                                             const std::string& fault_record) {
  if (std::string p = format::geometry_problem(geometry); !p.empty())
    throw NvmImageError(fmt::format("NVM image {}: cannot create: {}", path.string(), p));
  if (fault_record.size() > format::kMaxFaultRecordBytes)
    throw NvmImageError(
        fmt::format("NVM image {}: cannot create: a fault record of {} bytes "
                    "(at most {})",
                    path.string(), fault_record.size(), format::kMaxFaultRecordBytes));
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return std::nullopt;

  std::string tmp = path.string() + ".creating-XXXXXX";
  int raw = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (raw < 0) fail(path, "temporary file", errno);
  io::UniqueFd fd(raw);
  UnlinkOnExit cleanup{tmp};
  // Locked before the name exists, so nobody can open it unlocked in between.
  io::lock_exclusive(fd.get(), path);
  if (::fchmod(fd.get(), 0644) != 0) fail(path, "chmod", errno);
  write_fresh_image(fd.get(), path, geometry, fault_record);
  io::sync_data(fd.get(), path);
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST) return std::nullopt;
    fail(path, "link", errno);
  }
  ::unlink(tmp.c_str());  // before the directory sync, so only the real name persists
  io::sync_parent_dir(path);
  NvmImage image(path, std::move(fd), geometry);
  image.fault_record_ = fault_record;
  return image;
}

NvmImage NvmImage::create(const std::filesystem::path& path, const Geometry& geometry,
                          const std::string& fault_record) {
  std::optional<NvmImage> image = try_create(path, geometry, fault_record);
  if (!image)
    throw NvmImageError(
        fmt::format("NVM image {}: cannot create: file exists (never replaced)", path.string()));
  return std::move(*image);
}

}  // namespace hycim::nvm
