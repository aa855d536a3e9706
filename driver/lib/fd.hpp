// Owning wrappers for the kernel objects the driver shares between processes:
// file descriptors, shared mappings, sealed memfds and eventfds.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "driver/driver.hpp"

namespace hycim::driver {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  ~UniqueFd();
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A MAP_SHARED read-write mapping of a whole fd.
class Mapping {
 public:
  Mapping() = default;
  Mapping(Mapping&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Mapping& operator=(Mapping&& o) noexcept;
  ~Mapping();
  // kIo when mmap fails.
  static Status map(int fd, size_t size, Mapping* out);
  uint8_t* data() const { return static_cast<uint8_t*>(ptr_); }
  size_t size() const { return size_; }
  // Hands the mapping to the caller, who munmaps it.
  void* release() {
    size_ = 0;
    return std::exchange(ptr_, nullptr);
  }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

// A memfd of `size` bytes sealed against shrinking, growing and resealing, so
// the peer that maps it can never be made to fault (SIGBUS) by truncation.
// Throws DriverError(kIo).
UniqueFd make_sealed_memfd(const char* name, size_t size);
// kOk if fd is a memfd with those seals and at least `size` bytes; kInvalid
// otherwise, with the reason in *why.
Status check_sealed_memfd(int fd, size_t size, std::string* why);
// Throws DriverError(kIo).
UniqueFd make_eventfd();
// kOk if fd is an eventfd.
Status check_eventfd(int fd);
// Adds one to the counter (the peer's doorbell or interrupt).
void signal_eventfd(int fd);
// Resets the counter (non-blocking fds only).
void drain_eventfd(int fd);
// dup(fd) with close-on-exec; invalid on failure.
UniqueFd dup_fd(int fd);

}  // namespace hycim::driver
