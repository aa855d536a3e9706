// Packing: every file comes back byte-exact with its name and label, shards
// respect the target size and hold contiguous ids sorted by size class, and a
// failed repack leaves the live generation untouched.
#include "runtime/data/pack.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <set>
#include <span>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/format.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::content_for;
using testing::make_tree;
using testing::TempDir;

const std::vector<uint64_t> kSizes = {100, 3000, 17, 900, 5000, 1, 2048, 333};

TEST(DataPack, RoundTripKeepsBytesNamesAndLabels) {
  TempDir src, out;
  auto names = make_tree(src.path(), 60, 3, kSizes);
  PackOptions opts;
  opts.shard_bytes = 8192;
  PackResult res = pack_directory(src.path(), out.path(), opts);
  EXPECT_EQ(res.samples, 60u);
  PackedDataset ds(out.path());
  ASSERT_EQ(ds.sample_count(), 60u);
  ASSERT_EQ(ds.label_names(), (std::vector<std::string>{"class0", "class1", "class2"}));
  std::set<std::string> seen;
  for (uint32_t id = 0; id < ds.sample_count(); ++id) {
    const std::string& n = ds.name(id);
    seen.insert(n);
    EXPECT_EQ(ds.label_names().at(ds.label(id)), n.substr(0, n.find('/')));
    EXPECT_EQ(ds.read(id), content_for(n, ds.entry(id).length)) << n;
  }
  EXPECT_EQ(seen, std::set<std::string>(names.begin(), names.end()));
}

TEST(DataPack, ShardsAreDenseContiguousAndSortedBySizeClass) {
  TempDir src, out;
  make_tree(src.path(), 80, 2, kSizes);
  PackOptions opts;
  opts.shard_bytes = 8192;
  PackResult res = pack_directory(src.path(), out.path(), opts);
  PackedDataset ds(out.path());
  EXPECT_EQ(res.shard_bytes % 4096, 0u);
  uint64_t next = 0;
  for (uint32_t s = 0; s < ds.shards().size(); ++s) {
    const ShardEntry& sh = ds.shards()[s];
    EXPECT_EQ(sh.first_sample, next);
    next += sh.sample_count;
    // A shard exceeds the target only when it holds one sample that alone does.
    EXPECT_TRUE(sh.bytes <= res.shard_bytes || sh.sample_count == 1);
    uint64_t off = 0;
    for (uint64_t id = sh.first_sample; id < sh.first_sample + sh.sample_count; ++id) {
      EXPECT_EQ(ds.entry(id).offset, off);
      off += ds.entry(id).length;
    }
    EXPECT_EQ(off, sh.bytes);
  }
  EXPECT_EQ(next, 80u);
  for (uint32_t id = 1; id < ds.sample_count(); ++id)
    EXPECT_LE(std::bit_width(ds.entry(id - 1).length), std::bit_width(ds.entry(id).length));
  EXPECT_TRUE(ds.verify().ok);
}

TEST(DataPack, RepackSwitchesToTheNewGeneration) {
  TempDir src1, src2, out;
  make_tree(src1.path(), 10, 1, kSizes, 1);
  make_tree(src2.path(), 12, 1, kSizes, 2);
  pack_directory(src1.path(), out.path());
  pack_directory(src2.path(), out.path());
  EXPECT_EQ(live_generation_name(out.path()), "gen-000002");
  PackedDataset ds(out.path());
  ASSERT_EQ(ds.sample_count(), 12u);
  for (uint32_t id = 0; id < 12; ++id)
    EXPECT_EQ(ds.read(id), content_for(ds.name(id), ds.entry(id).length, 2));
}

TEST(DataPack, FailedRepackLeavesTheLiveDatasetIntact) {
  TempDir src1, src2, out;
  make_tree(src1.path(), 40, 2, kSizes, 1);
  make_tree(src2.path(), 40, 2, kSizes, 2);
  PackOptions small;
  small.shard_bytes = 4096;
  pack_directory(src1.path(), out.path(), small);
  // Simulated crash: the writer dies after its second shard.
  PackOptions crash = small;
  crash.on_shard = [](const PackProgress& p) {
    if (p.shards_done == 2) throw std::runtime_error("simulated crash");
  };
  EXPECT_THROW(pack_directory(src2.path(), out.path(), crash), std::runtime_error);
  EXPECT_TRUE(std::filesystem::exists(out.path() / "gen-000002.tmp"));
  EXPECT_EQ(live_generation_name(out.path()), "gen-000001");
  {
    PackedDataset ds(out.path());
    EXPECT_TRUE(ds.verify().ok);
    for (uint32_t id = 0; id < ds.sample_count(); ++id)
      EXPECT_EQ(ds.read(id), content_for(ds.name(id), ds.entry(id).length, 1));
  }
  // The next pack clears the leftover and switches normally.
  pack_directory(src2.path(), out.path(), small);
  EXPECT_FALSE(std::filesystem::exists(out.path() / "gen-000002.tmp"));
  EXPECT_EQ(live_generation_name(out.path()), "gen-000003");
  PackedDataset ds(out.path());
  EXPECT_EQ(ds.read(0), content_for(ds.name(0), ds.entry(0).length, 2));
}

TEST(DataPack, OlderGenerationsAreRetiredKeepingThePreviousOne) {
  TempDir src, out;
  make_tree(src.path(), 5, 1, kSizes);
  for (int i = 0; i < 3; ++i) pack_directory(src.path(), out.path());
  EXPECT_FALSE(std::filesystem::exists(out.path() / "gen-000001"));
  EXPECT_TRUE(std::filesystem::exists(out.path() / "gen-000002"));
  EXPECT_TRUE(std::filesystem::exists(out.path() / "gen-000003"));
}

// Index files the packer never writes, with valid checksums (as a hand-made
// or hostile index has): the reader must refuse their tables, naming what is
// wrong, before allocating or reading by them (found by dataset_fuzz).
struct HandIndex {
  IndexHeader h{};
  std::vector<ShardEntry> shards;
  std::vector<SampleEntry> samples;
  std::string names;

  // Writes DATASET/CURRENT, the index and the shard files into `dir`.
  void write(const std::filesystem::path& dir, const std::vector<std::string>& shard_files) {
    const std::filesystem::path gen = dir / generation_name(1);
    std::filesystem::create_directories(gen);
    std::ofstream(dir / kCurrentFile) << generation_name(1) << "\n";
    std::string body(reinterpret_cast<const char*>(shards.data()),
                     shards.size() * sizeof(ShardEntry));
    body.append(reinterpret_cast<const char*>(samples.data()),
                samples.size() * sizeof(SampleEntry));
    body += names;
    std::memcpy(h.magic, kIndexMagic, sizeof h.magic);
    h.version = kFormatVersion;
    h.header_bytes = sizeof h;
    if (h.sample_count == 0) h.sample_count = samples.size();
    if (h.shard_count == 0) h.shard_count = static_cast<uint32_t>(shards.size());
    h.names_bytes = names.size();
    h.body_crc = crc32c(std::as_bytes(std::span(body.data(), body.size())));
    h.header_crc = 0;
    h.header_crc = crc32c(std::as_bytes(std::span(&h, 1)));
    std::ofstream f(gen / kIndexFile, std::ios::binary);
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f << body;
    for (uint32_t s = 0; s < shard_files.size(); ++s)
      std::ofstream(gen / shard_file_name(s), std::ios::binary) << shard_files[s];
  }
};

std::string open_error(const std::filesystem::path& dir) {
  try {
    PackedDataset ds(dir);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(opened)";
}

TEST(DataIndex, SampleCountLargerThanTheFileIsRefusedBeforeAllocating) {
  TempDir dir;
  HandIndex idx;
  idx.h.sample_count = uint64_t{1} << 40;
  idx.write(dir.path(), {});
  EXPECT_NE(open_error(dir.path()).find("claims 0 shards and 1099511627776 samples"),
            std::string::npos)
      << open_error(dir.path());
}

TEST(DataIndex, SampleOffsetThatWrapsPastTheShardEndIsRefused) {
  TempDir dir;
  HandIndex idx;
  idx.shards = {{4, 0, 1, 0}};
  idx.samples = {{UINT64_MAX - 1, 4, 0, 0, 0}};
  idx.names = std::string("a\0", 2);
  idx.write(dir.path(), {"abcd"});
  const std::string why = open_error(dir.path());
  EXPECT_NE(why.find("sample 0: index entry (shard 0, offset 18446744073709551614, 4 bytes) "
                     "lies outside shard 0 (4 bytes)"),
            std::string::npos)
      << why;
}

TEST(DataIndex, ShardClaimingSamplesTheIndexDoesNotHaveIsRefused) {
  TempDir dir;
  HandIndex idx;
  idx.shards = {{4, 0, 5, 0}};
  idx.samples = {{0, 4, 0, 0, 0}};
  idx.names = std::string("a\0", 2);
  idx.write(dir.path(), {"abcd"});
  const std::string why = open_error(dir.path());
  EXPECT_NE(why.find("shard 0 claims samples [0, +5), expected them from 0 within 1"),
            std::string::npos)
      << why;
}

TEST(DataIndex, SampleOutsideEveryShardIsRefused) {
  TempDir dir;
  HandIndex idx;
  idx.shards = {{4, 0, 1, 0}};
  idx.samples = {{0, 2, 0, 0, 0}, {2, 2, 0, 0, 0}};
  idx.names = std::string("a\0b\0", 4);
  idx.write(dir.path(), {"abcd"});
  const std::string why = open_error(dir.path());
  EXPECT_NE(why.find("shards hold 1 of the index's 2 samples"), std::string::npos) << why;
}

TEST(DataIndex, TruncationPastTheLastSampleNamesTheShardOnly) {
  TempDir dir;
  HandIndex idx;
  idx.shards = {{8, 0, 1, 0}};
  idx.samples = {{0, 4, 0, crc32c(std::as_bytes(std::span("abcd", 4))), 0}};
  idx.names = std::string("a\0", 2);
  idx.write(dir.path(), {"abcd_"});
  const std::string why = open_error(dir.path());
  EXPECT_NE(why.find("shard-00000.hys: shard truncated: 5 of 8 bytes"), std::string::npos) << why;
}

}  // namespace
}  // namespace hycim::data
