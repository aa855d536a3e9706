// Staging copies the live generation byte-exact with checked shards, and a
// damaged source is refused naming the shard and sample without touching the
// destination's live copy.
#include "runtime/data/stage.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/pack.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::make_tree;
using testing::TempDir;

TEST(DataStage, CopiesEveryFileAndChecksShards) {
  TempDir src, packed, local;
  make_tree(src.path(), 120, 3, {1000, 3000, 200});
  PackOptions o;
  o.shard_bytes = 32768;
  pack_directory(src.path(), packed.path(), o);
  StageOptions so;
  so.threads = 3;
  so.chunk_bytes = 4096;  // many chunks per shard, so checksums are combined
  StageResult r = stage_dataset(packed.path(), local.path(), so);
  PackedDataset a(packed.path()), b(local.path());
  EXPECT_EQ(r.files, a.shards().size() + 1);
  EXPECT_EQ(r.bytes, a.total_bytes() + std::filesystem::file_size(a.generation_dir() / kIndexFile));
  ASSERT_EQ(b.sample_count(), a.sample_count());
  for (uint32_t id = 0; id < a.sample_count(); ++id) EXPECT_EQ(a.read(id), b.read(id));
  EXPECT_TRUE(b.verify().ok);
}

TEST(DataStage, DamagedSourceIsRefusedAndTheOldCopyStaysLive) {
  TempDir src, packed, local;
  make_tree(src.path(), 40, 2, {1000, 3000});
  pack_directory(src.path(), packed.path());
  stage_dataset(packed.path(), local.path());
  uint32_t victim = 9;
  std::string shard;
  {
    PackedDataset a(packed.path());
    shard = a.shard_path(a.entry(victim).shard).string();
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(a.entry(victim).offset + 7));
    f.put('\x5a');
  }
  try {
    stage_dataset(packed.path(), local.path());
    FAIL() << "damaged source was staged";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), shard);
    EXPECT_EQ(e.sample(), victim);
  }
  PackedDataset b(local.path());
  EXPECT_TRUE(b.verify().ok);
  EXPECT_EQ(live_generation_name(local.path()), "gen-000001");
}

}  // namespace
}  // namespace hycim::data
