// A packed dataset opened for reading: the live generation's index, checked
// (header and body checksums, every shard's size) before any sample is served,
// and the shard files kept open so reading a sample is one pread().
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/data/format.hpp"
#include "runtime/data/io.hpp"
#include "runtime/data/source.hpp"

namespace hycim::data {

// Result of a full check: ok, or the first bad file and sample.
struct VerifyReport {
  bool ok = true;
  std::string file;
  uint64_t sample = UINT64_MAX;
  std::string message;
  uint64_t bytes_checked = 0;
};

class PackedDataset : public SampleSource {
 public:
  // Throws DataError naming CURRENT, the index or the shard that is missing, short or corrupt.
  explicit PackedDataset(const std::filesystem::path& dir);
  ~PackedDataset() override;
  PackedDataset(const PackedDataset&) = delete;
  PackedDataset& operator=(const PackedDataset&) = delete;

  uint32_t sample_count() const override { return static_cast<uint32_t>(samples_.size()); }
  SampleRef locate(uint32_t id) const override;
  int32_t label(uint32_t id) const override { return samples_.at(id).label; }
  void read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) override;

  std::vector<std::byte> read(uint32_t id);
  const std::string& name(uint32_t id) const { return names_.at(id); }
  const std::vector<std::string>& label_names() const { return labels_; }
  const std::vector<ShardEntry>& shards() const { return shards_; }
  const SampleEntry& entry(uint32_t id) const { return samples_.at(id); }
  const std::filesystem::path& generation_dir() const { return gen_dir_; }
  std::filesystem::path shard_path(uint32_t shard) const {
    return gen_dir_ / shard_file_name(shard);
  }
  uint64_t total_bytes() const { return total_bytes_; }

  // Re-reads every shard in large reads and checks each sample and shard checksum.
  VerifyReport verify() const;

 private:
  void load_index(const std::filesystem::path& index_path);
  void open_shards();
  [[noreturn]] void fail_sample(uint32_t id, const std::string& what) const;

  std::filesystem::path gen_dir_;
  std::vector<ShardEntry> shards_;
  std::vector<SampleEntry> samples_;
  std::vector<std::string> names_;
  std::vector<std::string> labels_;
  std::vector<io::Fd> fds_;
  uint64_t total_bytes_ = 0;
};

// The generation DATASET/CURRENT names ("gen-000003").
std::string live_generation_name(const std::filesystem::path& dataset);
// Reads DATASET/CURRENT and returns the live generation's directory.
std::filesystem::path live_generation(const std::filesystem::path& dataset);

// Parses and checks an index file (shared by the reader and the stager).
struct IndexContents {
  IndexHeader header;
  std::vector<ShardEntry> shards;
  std::vector<SampleEntry> samples;
  std::vector<std::string> names, labels;
};
IndexContents read_index(const std::filesystem::path& index_path);

}  // namespace hycim::data
