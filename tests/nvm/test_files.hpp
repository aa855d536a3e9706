// File helpers for the NVM tests: a private temporary directory per test and
// raw byte access to an image behind the library's back.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hycim::nvm::test {

// A fresh directory, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

 private:
  std::filesystem::path dir_;
};

std::vector<uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
// XORs one byte in place, leaving the rest of the file as it is.
void flip_byte(const std::filesystem::path& path, uint64_t offset);

}  // namespace hycim::nvm::test
