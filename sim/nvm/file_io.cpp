#include "sim/nvm/file_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "sim/nvm/error.hpp"

namespace hycim::nvm::io {
namespace {

[[noreturn]] void fail(const Path& path, std::string_view what, int err) {
  throw NvmImageError(fmt::format("NVM image {}: {}: {}", path.string(), what, std::strerror(err)));
}

}  // namespace

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
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, fmt::format("write at offset {}", offset + done), errno);
    done += static_cast<size_t>(n);
  }
}

void sync_data(int fd, const Path& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) fail(path, "fdatasync", errno);
  }
}

void sync_parent_dir(const Path& path) {
  Path dir = path.parent_path().empty() ? Path(".") : path.parent_path();
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(path, fmt::format("cannot open directory {}", dir.string()), errno);
  UniqueFd guard(fd);
  while (::fsync(fd) != 0) {
    if (errno != EINTR) fail(path, fmt::format("fsync of directory {}", dir.string()), errno);
  }
}

}  // namespace hycim::nvm::io
