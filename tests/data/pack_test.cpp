// Packing: every file comes back byte-exact with its name and label, shards
// respect the target size and hold contiguous ids sorted by size class, and a
// failed repack leaves the live generation untouched.
#include "runtime/data/pack.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <set>

#include "runtime/data/dataset.hpp"
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

}  // namespace
}  // namespace hycim::data
