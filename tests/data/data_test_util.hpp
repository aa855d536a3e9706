// Shared by the data-cache tests: a temporary directory that cleans itself up
// and a generated ImageFolder-style tree whose file contents are a pure
// function of the file name, so any read can be checked without keeping a copy.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace hycim::data::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hycim-data-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::byte> content_for(const std::string& name, uint64_t size,
                                          uint32_t salt = 0) {
  std::vector<std::byte> out(size);
  uint64_t h = 1469598103934665603ull ^ salt;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  for (auto& b : out) {
    h ^= h << 13, h ^= h >> 7, h ^= h << 17;
    b = static_cast<std::byte>(h);
  }
  return out;
}

// Writes `count` files spread over `classes` class folders; file i has size
// sizes[i % sizes.size()]. Returns the relative names.
inline std::vector<std::string> make_tree(const std::filesystem::path& root, uint32_t count,
                                          uint32_t classes, const std::vector<uint64_t>& sizes,
                                          uint32_t salt = 0) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = "class" + std::to_string(i % classes) + "/img" + std::to_string(i) + ".bin";
    std::filesystem::create_directories(root / ("class" + std::to_string(i % classes)));
    auto bytes = content_for(name, sizes[i % sizes.size()], salt);
    std::ofstream(root / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    names.push_back(name);
  }
  return names;
}

}  // namespace hycim::data::testing
