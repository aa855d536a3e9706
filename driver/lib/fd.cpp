#include "driver/lib/fd.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hycim::driver {
namespace {

constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

std::string sys_error(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    if (ptr_) ::munmap(ptr_, size_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

Mapping::~Mapping() {
  if (ptr_) ::munmap(ptr_, size_);
}

Status Mapping::map(int fd, size_t size, Mapping* out) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return Status::kIo;
  *out = Mapping();
  out->ptr_ = p;
  out->size_ = size;
  return Status::kOk;
}

UniqueFd make_sealed_memfd(const char* name, size_t size) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) throw DriverError(Status::kIo, sys_error("memfd_create"));
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    throw DriverError(Status::kIo, sys_error("ftruncate of a DMA buffer"));
  if (::fcntl(fd.get(), F_ADD_SEALS, kSeals) != 0)
    throw DriverError(Status::kIo, sys_error("sealing a DMA buffer"));
  return fd;
}

Status check_sealed_memfd(int fd, size_t size, std::string* why) {
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals < 0) return *why = "not a memfd", Status::kInvalid;
  if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
    return *why = "memfd not sealed against resizing", Status::kInvalid;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) < size)
    return *why = "memfd smaller than declared", Status::kInvalid;
  return Status::kOk;
}

UniqueFd make_eventfd() {
  UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd) throw DriverError(Status::kIo, sys_error("eventfd"));
  return fd;
}

Status check_eventfd(int fd) {
  // An eventfd is an anonymous inode whose /proc link names it.
  char path[64], target[64] = {};
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(path, target, sizeof target - 1);
  if (n <= 0 || std::strcmp(target, "anon_inode:[eventfd]") != 0) return Status::kInvalid;
  return Status::kOk;
}

void signal_eventfd(int fd) {
  const uint64_t one = 1;
  // EAGAIN means the counter is saturated: the peer is already woken.
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

void drain_eventfd(int fd) {
  uint64_t v;
  [[maybe_unused]] ssize_t n = ::read(fd, &v, sizeof v);
}

UniqueFd dup_fd(int fd) {
  return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

}  // namespace hycim::driver
