// libFuzzer target: a packed dataset as the data layer opens it
// (runtime/data/dataset.hpp PackedDataset): CURRENT, the generation's index
// (header, shard and sample tables, names) and its shard files. Every sample
// the index lists is read, then the whole dataset verified (each sample's and
// each shard's CRC-32C). A refusal must be a DataError with a message; a
// verify() that passes means every sample read too.
//
// Input: a flags byte, a 16-bit little-endian index length, the index file,
// then up to four shard files, each a 16-bit little-endian length and its
// bytes (what is left over goes to the last one). Flags: bit 0 sets the
// index's header and body checksums, so the tables behind them are reached;
// bit 1 first sets each sample's and each shard's checksum from the shard
// files given, so reads and the whole-shard check get past them.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/format.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

using namespace hycim::data;
namespace fs = std::filesystem;

constexpr uint8_t kFixIndexCrcs = 1, kFixDataCrcs = 2;
constexpr size_t kMaxShards = 4;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "dataset_fuzz: %s\n", what);
  std::abort();
}

const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

uint32_t crc_of(const std::string& s, size_t at, size_t n) {
  return crc32c(std::as_bytes(std::span(s.data() + at, n)));
}

// Reads a little-endian 16-bit length at `at`; what is there when fewer bytes are left.
size_t take_length(const uint8_t* data, size_t size, size_t& at) {
  if (at + 2 > size) {
    at = size;
    return size;
  }
  const size_t n = data[at] | size_t(data[at + 1]) << 8;
  at += 2;
  return n;
}

// The checksums pack.cpp writes, computed over what the input holds, so the
// fuzzer need not find CRC-32C values by chance.
void fix_checksums(std::string& index, const std::vector<std::string>& shards, uint8_t flags) {
  if (index.size() < sizeof(IndexHeader)) return;
  IndexHeader h;
  std::memcpy(&h, index.data(), sizeof h);
  if (flags & kFixDataCrcs) {
    size_t at = sizeof h;
    for (uint32_t s = 0; s < h.shard_count && at + sizeof(ShardEntry) <= index.size();
         ++s, at += sizeof(ShardEntry)) {
      ShardEntry e;
      std::memcpy(&e, index.data() + at, sizeof e);
      if (s < shards.size()) e.crc = crc_of(shards[s], 0, shards[s].size());
      std::memcpy(index.data() + at, &e, sizeof e);
    }
    for (uint64_t i = 0; i < h.sample_count && at + sizeof(SampleEntry) <= index.size();
         ++i, at += sizeof(SampleEntry)) {
      SampleEntry e;
      std::memcpy(&e, index.data() + at, sizeof e);
      if (e.shard < shards.size() && e.offset <= shards[e.shard].size() &&
          e.length <= shards[e.shard].size() - e.offset)
        e.crc = crc_of(shards[e.shard], e.offset, e.length);
      std::memcpy(index.data() + at, &e, sizeof e);
    }
  }
  h.body_crc = crc_of(index, sizeof h, index.size() - sizeof h);
  h.header_crc = 0;
  h.header_crc = crc32c(std::as_bytes(std::span(&h, 1)));
  std::memcpy(index.data(), &h, sizeof h);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path root = hycim::fuzz::scratch_directory("dataset_fuzz");
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  size_t at = 1;
  const size_t index_bytes = std::min(take_length(data, size, at), size - at);
  std::string index(reinterpret_cast<const char*>(data + at), index_bytes);
  at += index_bytes;
  std::vector<std::string> shards;
  while (at < size && shards.size() < kMaxShards) {
    size_t n = take_length(data, size, at);
    if (shards.size() + 1 == kMaxShards || n > size - at) n = size - at;
    shards.emplace_back(reinterpret_cast<const char*>(data + at), n);
    at += n;
  }
  if (flags & (kFixIndexCrcs | kFixDataCrcs)) fix_checksums(index, shards, flags);

  const fs::path gen = root / generation_name(1);
  std::error_code ec;
  fs::remove_all(gen, ec);
  fs::create_directories(gen);
  write_file(root / kCurrentFile, generation_name(1) + "\n");
  write_file(gen / kIndexFile, index);
  for (uint32_t s = 0; s < shards.size(); ++s) write_file(gen / shard_file_name(s), shards[s]);

  std::unique_ptr<PackedDataset> ds;
  try {
    ds = std::make_unique<PackedDataset>(root);
  } catch (const DataError& e) {
    if (e.what()[0] == '\0') fail("refused without a message");
    if (kVerbose) std::fprintf(stderr, "open refused: %s\n", e.what());
    return 0;
  }
  if (kVerbose)
    std::fprintf(stderr, "opened: %u samples, %zu shards, %zu labels\n", ds->sample_count(),
                 ds->shards().size(), ds->label_names().size());
  bool any_refused = false;
  for (uint32_t id = 0; id < ds->sample_count(); ++id) {
    (void)ds->name(id);
    (void)ds->label(id);
    try {
      const std::vector<std::byte> bytes = ds->read(id);
      if (bytes.size() != ds->entry(id).length) fail("a sample read has another length");
    } catch (const DataError& e) {
      if (e.what()[0] == '\0') fail("refused a read without a message");
      if (kVerbose) std::fprintf(stderr, "read refused: %s\n", e.what());
      any_refused = true;
    }
  }
  VerifyReport rep;
  try {
    rep = ds->verify();
  } catch (const DataError& e) {
    if (e.what()[0] == '\0') fail("verify refused without a message");
    if (kVerbose) std::fprintf(stderr, "verify refused: %s\n", e.what());
    return 0;
  }
  if (kVerbose) std::fprintf(stderr, "verify: %s\n", rep.ok ? "ok" : rep.message.c_str());
  if (rep.ok && any_refused) fail("verify() passes a dataset with a sample that does not read");
  if (!rep.ok && rep.message.empty()) fail("verify() failed without a message");
  return 0;
}
