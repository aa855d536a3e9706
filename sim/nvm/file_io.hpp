// The few POSIX calls the image needs, each retried on EINTR and short
// transfers and turned into an NvmImageError that names the file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>

namespace hycim::nvm::io {

// Owns one file descriptor; closing it also drops the flock taken on it.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

using Path = std::filesystem::path;

// Opens an existing file read-write; throws if it is missing or unreadable.
UniqueFd open_existing(const Path& path);
// Creates a new file; throws if it exists.
UniqueFd create_exclusive(const Path& path);
// Takes an exclusive flock without waiting; throws "in use" if another open
// file description (another process, or another image object) holds it.
void lock_exclusive(int fd, const Path& path);
uint64_t file_size(int fd, const Path& path);

// Reads exactly out.size() bytes at offset; throws on error or end of file.
void read_at(int fd, std::span<uint8_t> out, uint64_t offset, const Path& path);
void write_at(int fd, std::span<const uint8_t> data, uint64_t offset, const Path& path);
// fdatasync: the data written so far is on stable storage when it returns.
void sync_data(int fd, const Path& path);
// fsync of the directory holding `path`, so a new name in it is durable.
void sync_parent_dir(const Path& path);

// Test-only: a simulated power cut, for tests/nvm (nvm_power_loss_test.cpp and
// nvm_child's powercut mode). A SIGKILL never tears a pwrite, since the page
// cache keeps each one whole; a power cut does, and only this seam lets a test
// see what the image makes of one. Nothing in the library, the tools or the
// daemon arms it and no input reaches it; unarmed, write_at and the syncs
// test one flag. It is process-wide and not thread-safe: armed only by a test
// that alone uses the image.
//
// Power fails once `bytes` more bytes have reached the file (counted over
// write_at calls, in order). The write_at that crosses the count stores only
// the bytes before it; with kGarbage, the rest of the 512-byte sector holding
// the cut, within that write, then gets bytes that are none of the ones meant
// (a disk that does not write a sector all-or-nothing), with kOld it keeps
// what it had. That write_at throws PowerLost, and so does every later
// write_at, sync_data or sync_parent_dir without touching the disk, until
// restore_power(). A count that an operation's writes use up exactly makes its
// next sync throw: the cut at its fdatasync.
enum class TornTail { kOld, kGarbage };
// Not a std::exception, so that only a handler naming it, or catch (...),
// stops it: after a power cut nothing else is meant to run.
struct PowerLost {};
void cut_power_after(uint64_t bytes, TornTail tail = TornTail::kOld);
// Disarms the cut, whether or not it came; true when it came.
bool restore_power();

}  // namespace hycim::nvm::io
