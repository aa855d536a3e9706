// On-disk format of a packed dataset. One header, included by the packer, the
// reader, the stager and the tests, so no layout is ever retyped.
//
//   DATASET/CURRENT              "gen-000003\n": the live generation, switched by rename()
//   DATASET/gen-000003/index.hyi IndexHeader, ShardEntry[shards], SampleEntry[samples],
//                                names blob (sample names then label names, NUL-terminated)
//   DATASET/gen-000003/shard-00000.hys  raw sample bytes, back to back
//
// Sample ids are positions in packed order (size class, then name), so shard s
// holds the contiguous id range [first_sample, first_sample + sample_count) at
// ascending offsets, and a sample is found by one table lookup: no per-sample
// file-system metadata on the read path.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace hycim::data {

inline constexpr char kIndexMagic[8] = {'H', 'Y', 'C', 'D', 'I', 'D', 'X', '1'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr const char* kCurrentFile = "CURRENT";
inline constexpr const char* kIndexFile = "index.hyi";

#pragma pack(push, 1)
struct IndexHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_bytes;  // sizeof(IndexHeader), so a reader can refuse a layout it does not know
  uint64_t sample_count;
  uint32_t shard_count;
  uint32_t label_count;
  uint64_t names_bytes;
  uint64_t total_sample_bytes;
  uint32_t body_crc;    // CRC-32C of everything after the header
  uint32_t header_crc;  // CRC-32C of this header with header_crc = 0
  uint8_t reserved[8];
};

struct ShardEntry {
  uint64_t bytes;         // exact file size; a shorter file is truncated
  uint64_t first_sample;  // first id in this shard
  uint32_t sample_count;
  uint32_t crc;  // CRC-32C of the whole shard file
};

struct SampleEntry {
  uint64_t offset;  // within its shard
  uint32_t length;
  uint32_t shard;
  uint32_t crc;   // CRC-32C of the sample's bytes
  int32_t label;  // index into the label names, -1 when the sample had no class folder
};
#pragma pack(pop)

static_assert(sizeof(IndexHeader) == 64);
static_assert(sizeof(ShardEntry) == 24);
static_assert(sizeof(SampleEntry) == 24);

inline std::string shard_file_name(uint32_t shard) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shard-%05u.hys", shard);
  return buf;
}

inline std::string generation_name(uint32_t gen) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "gen-%06u", gen);
  return buf;
}

}  // namespace hycim::data
