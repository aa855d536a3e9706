#include "sim/nvm/file_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "sim/nvm/error.hpp"

namespace hycim::nvm::io {
namespace {

[[noreturn]] void fail(const Path& path, std::string_view what, int err) {
  throw NvmImageError(fmt::format("NVM image {}: {}: {}", path.string(), what, std::strerror(err)));
}

constexpr uint64_t kSectorBytes = 512;

// The test-only power cut (file_io.hpp). A plain global: tests arm it in the
// one thread that uses the image, and an unarmed cut costs one load.
struct PowerCut {
  bool armed = false;
  bool lost = false;
  uint64_t bytes_left = 0;
  TornTail tail = TornTail::kOld;
};
PowerCut g_cut;

void pwrite_all(int fd, const uint8_t* data, size_t size, uint64_t offset, const Path& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, fmt::format("write at offset {}", offset + done), errno);
    done += static_cast<size_t>(n);
  }
}

// Returns when the whole write fits in what is left before the cut (the
// caller then stores it); otherwise stores the part that reaches the disk and
// throws PowerLost.
void cut_write(int fd, std::span<const uint8_t> data, uint64_t offset, const Path& path) {
  if (g_cut.lost) throw PowerLost{};
  if (data.size() <= g_cut.bytes_left) {
    g_cut.bytes_left -= data.size();
    return;
  }
  const size_t kept = static_cast<size_t>(g_cut.bytes_left);
  g_cut.lost = true;
  pwrite_all(fd, data.data(), kept, offset, path);
  if (g_cut.tail == TornTail::kGarbage) {
    const uint64_t sector_end = ((offset + kept) / kSectorBytes + 1) * kSectorBytes;
    const size_t end = static_cast<size_t>(std::min<uint64_t>(sector_end - offset, data.size()));
    // Each byte differs from the one meant, so the torn sector is never the
    // new data by chance.
    std::vector<uint8_t> garbage(data.begin() + static_cast<ptrdiff_t>(kept),
                                 data.begin() + static_cast<ptrdiff_t>(end));
    for (uint8_t& b : garbage) b ^= 0xA5;
    pwrite_all(fd, garbage.data(), garbage.size(), offset + kept, path);
  }
  throw PowerLost{};
}

// A sync that finds the count used up is where power fails: every byte of
// the operation reached the file but was never made durable.
void cut_sync() {
  if (g_cut.lost || g_cut.bytes_left == 0) {
    g_cut.lost = true;
    throw PowerLost{};
  }
}

}  // namespace

void cut_power_after(uint64_t bytes, TornTail tail) {
  g_cut = {true, false, bytes, tail};
}

bool restore_power() {
  const bool lost = g_cut.lost;
  g_cut = {};
  return lost;
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

UniqueFd open_existing(const Path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open", errno);
  return UniqueFd(fd);
}

UniqueFd create_exclusive(const Path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create", errno);
  return UniqueFd(fd);
}

void lock_exclusive(int fd, const Path& path) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return;
  if (errno == EWOULDBLOCK)
    throw NvmImageError(fmt::format(
        "NVM image {}: in use by another process or another open image (exclusive lock held)",
        path.string()));
  fail(path, "cannot lock", errno);
}

uint64_t file_size(int fd, const Path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, "cannot stat", errno);
  return static_cast<uint64_t>(st.st_size);
}

void read_at(int fd, std::span<uint8_t> out, uint64_t offset, const Path& path) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, fmt::format("read at offset {}", offset + done), errno);
    if (n == 0)
      throw NvmImageError(fmt::format("NVM image {}: unexpected end of file at offset {}",
                                      path.string(), offset + done));
    done += static_cast<size_t>(n);
  }
}

void write_at(int fd, std::span<const uint8_t> data, uint64_t offset, const Path& path) {
  if (g_cut.armed) [[unlikely]]
    cut_write(fd, data, offset, path);
  pwrite_all(fd, data.data(), data.size(), offset, path);
}

void sync_data(int fd, const Path& path) {
  if (g_cut.armed) [[unlikely]]
    cut_sync();
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) fail(path, "fdatasync", errno);
  }
}

void sync_parent_dir(const Path& path) {
  if (g_cut.armed) [[unlikely]]
    cut_sync();
  Path dir = path.parent_path().empty() ? Path(".") : path.parent_path();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(path, fmt::format("cannot open directory {}", dir.string()), errno);
  UniqueFd guard(fd);
  while (::fsync(fd) != 0) {
    if (errno != EINTR) fail(path, fmt::format("fsync of directory {}", dir.string()), errno);
  }
}

}  // namespace hycim::nvm::io
