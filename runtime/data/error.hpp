// The data cache's one exception family. Every message names the file and,
// where one is involved, the sample, because "checksum mismatch" alone sends
// the user hunting through thousands of shards.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace hycim::data {

inline constexpr uint64_t kNoSample = UINT64_MAX;

class DataError : public std::runtime_error {
 public:
  DataError(std::string file, uint64_t sample, const std::string& what)
      : std::runtime_error(format(file, sample, what)), file_(std::move(file)), sample_(sample) {}
  const std::string& file() const { return file_; }
  uint64_t sample() const { return sample_; }  // kNoSample when the whole file is bad

 private:
  static std::string format(const std::string& file, uint64_t sample, const std::string& what) {
    std::string s = file;
    if (sample != kNoSample) s += ": sample " + std::to_string(sample);
    return s + ": " + what;
  }
  std::string file_;
  uint64_t sample_;
};

}  // namespace hycim::data
