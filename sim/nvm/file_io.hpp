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

}  // namespace hycim::nvm::io
