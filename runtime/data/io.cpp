#include "runtime/data/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/data/error.hpp"

namespace hycim::data::io {

namespace {
[[noreturn]] void fail(const std::string& path, const char* what) {
  throw DataError(path, kNoSample, std::string(what) + ": " + std::strerror(errno));
}
}  // namespace

Fd::Fd(const std::filesystem::path& path, int flags, int mode) : path_(path.string()) {
  fd_ = ::open(path_.c_str(), flags | O_CLOEXEC, mode);
  if (fd_ < 0) fail(path_, "cannot open");
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

uint64_t Fd::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) fail(path_, "cannot stat");
  return static_cast<uint64_t>(st.st_size);
}

size_t Fd::pread_some(std::span<std::byte> dst, uint64_t offset) const {
  size_t done = 0;
  while (done < dst.size()) {
    ssize_t n =
        ::pread(fd_, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, "read failed");
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

void Fd::pwrite_all(std::span<const std::byte> src, uint64_t offset) const {
  size_t done = 0;
  while (done < src.size()) {
    ssize_t n =
        ::pwrite(fd_, src.data() + done, src.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, "write failed");
    done += static_cast<size_t>(n);
  }
}

void Fd::write_all(std::span<const std::byte> src) const {
  size_t done = 0;
  while (done < src.size()) {
    ssize_t n = ::write(fd_, src.data() + done, src.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path_, "write failed");
    done += static_cast<size_t>(n);
  }
}

void Fd::sync() const {
  if (::fsync(fd_) != 0) fail(path_, "fsync failed");
}

void sync_dir(const std::filesystem::path& dir) {
  Fd d(dir, O_RDONLY | O_DIRECTORY);
  d.sync();
}

std::string read_small_file(const std::filesystem::path& path) {
  Fd f(path, O_RDONLY);
  std::string s(f.size(), '\0');
  size_t n = f.pread_some(std::as_writable_bytes(std::span(s.data(), s.size())), 0);
  s.resize(n);
  return s;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  auto tmp = path;
  tmp += ".tmp";
  {
    Fd f(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    f.write_all(std::as_bytes(std::span(contents.data(), contents.size())));
    f.sync();
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    throw DataError(path.string(), kNoSample, "cannot switch to the new file: " + ec.message());
  sync_dir(path.parent_path());
}

}  // namespace hycim::data::io
