// Small POSIX helpers shared by the packer, reader and stager: full reads and
// writes that survive short transfers and EINTR, fsync of files and
// directories (a rename is only durable once its directory is synced).
// Every failure becomes a DataError naming the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace hycim::data::io {

class Fd {
 public:
  Fd() = default;
  Fd(const std::filesystem::path& path, int flags, int mode = 0644);
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  const std::string& path() const { return path_; }
  uint64_t size() const;
  // Returns the bytes read; fewer than dst.size() only at end of file.
  size_t pread_some(std::span<std::byte> dst, uint64_t offset) const;
  void pwrite_all(std::span<const std::byte> src, uint64_t offset) const;
  void write_all(std::span<const std::byte> src) const;
  void sync() const;

 private:
  int fd_ = -1;
  std::string path_;
};

void sync_dir(const std::filesystem::path& dir);
std::string read_small_file(const std::filesystem::path& path);
// Writes path.tmp, syncs it, renames it over path and syncs the directory.
void write_file_atomically(const std::filesystem::path& path, const std::string& contents);

}  // namespace hycim::data::io
