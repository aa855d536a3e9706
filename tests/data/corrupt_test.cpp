// Damaged data is refused with an error naming the file and the sample, at
// open (truncated shard, corrupt index), at read (flipped byte, truncated
// after open), in verify, and through the loader at the right position.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/loader.hpp"
#include "runtime/data/pack.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::make_tree;
using testing::TempDir;

void flip_byte(const std::filesystem::path& file, uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

class DataCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    make_tree(src_.path(), 50, 2, {500, 1500, 2500});
    PackOptions o;
    o.shard_bytes = 8192;
    pack_directory(src_.path(), out_.path(), o);
  }
  TempDir src_, out_;
};

TEST_F(DataCorrupt, FlippedByteIsRefusedNamingShardAndSample) {
  const uint32_t victim = 17;
  std::filesystem::path shard;
  {
    PackedDataset ds(out_.path());
    shard = ds.shard_path(ds.entry(victim).shard);
    flip_byte(shard, ds.entry(victim).offset + 3);
  }
  PackedDataset ds(out_.path());
  try {
    ds.read(victim);
    FAIL() << "corrupt sample was served";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), shard.string());
    EXPECT_EQ(e.sample(), victim);
    EXPECT_NE(std::string(e.what()).find(ds.name(victim)), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(ds.read(victim - 1));
  VerifyReport rep = ds.verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.file, shard.string());
  EXPECT_EQ(rep.sample, victim);
}

TEST_F(DataCorrupt, BytesAppendedToAShardFailVerifyNamingTheShard) {
  // Every sample still reads back and verify reads no byte past the last
  // sample: only the shard's size check can see this.
  std::filesystem::path shard;
  {
    PackedDataset ds(out_.path());
    shard = ds.shard_path(1);
  }
  {
    std::ofstream f(shard, std::ios::binary | std::ios::app);
    f << "tail";
  }
  PackedDataset ds(out_.path());
  for (uint32_t i = 0; i < ds.sample_count(); ++i) EXPECT_NO_THROW(ds.read(i)) << i;
  const VerifyReport rep = ds.verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.file, shard.string());
  EXPECT_NE(rep.message.find("shard checksum or size mismatch"), std::string::npos) << rep.message;
}

// Samples lie back to back, so a changed shard byte is always inside a sample
// and a CRC-32C collision that fooled the sample's checksum would fool the
// whole shard's too (CRC is linear). The sample's checksum is therefore
// rewritten to match the changed bytes, the index resealed (its own
// checksums recomputed), and the shard's size left as it was: what is left to
// catch it is the shard table's CRC of the whole file.
TEST_F(DataCorrupt, SampleResealedInTheIndexFailsOnlyTheWholeShardChecksum) {
  const uint32_t victim = 17;
  std::filesystem::path shard;
  SampleEntry e{};
  {
    PackedDataset ds(out_.path());
    shard = ds.shard_path(ds.entry(victim).shard);
    e = ds.entry(victim);
  }
  flip_byte(shard, e.offset + 3);
  const auto index = live_generation(out_.path()) / kIndexFile;
  std::vector<std::byte> raw(std::filesystem::file_size(index));
  {
    std::ifstream f(index, std::ios::binary);
    f.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  }
  std::vector<std::byte> sample(e.length);
  {
    std::ifstream f(shard, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(e.offset));
    f.read(reinterpret_cast<char*>(sample.data()), e.length);
  }
  IndexHeader h;
  std::memcpy(&h, raw.data(), sizeof h);
  const size_t at =
      sizeof h + size_t{h.shard_count} * sizeof(ShardEntry) + size_t{victim} * sizeof(SampleEntry);
  e.crc = crc32c(sample);
  std::memcpy(raw.data() + at, &e, sizeof e);
  h.body_crc = crc32c(std::span(raw).subspan(sizeof h));
  h.header_crc = 0;
  h.header_crc = crc32c(std::as_bytes(std::span(&h, 1)));
  std::memcpy(raw.data(), &h, sizeof h);
  std::ofstream(index, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));

  PackedDataset ds(out_.path());
  ASSERT_EQ(ds.entry(victim).crc, e.crc) << "the index was not resealed";
  for (uint32_t i = 0; i < ds.sample_count(); ++i) EXPECT_NO_THROW(ds.read(i)) << i;
  EXPECT_EQ(std::filesystem::file_size(shard), ds.shards()[e.shard].bytes);
  const VerifyReport rep = ds.verify();
  EXPECT_FALSE(rep.ok);
  EXPECT_EQ(rep.file, shard.string());
  EXPECT_NE(rep.message.find("shard checksum or size mismatch"), std::string::npos) << rep.message;
}

TEST_F(DataCorrupt, TruncatedShardIsRefusedAtOpenNamingTheCutSample) {
  std::filesystem::path shard;
  uint64_t cut_sample = 0;
  {
    PackedDataset ds(out_.path());
    const ShardEntry& sh = ds.shards()[1];
    cut_sample = sh.first_sample + 1;
    shard = ds.shard_path(1);
    std::filesystem::resize_file(shard, ds.entry(cut_sample).offset + 10);
  }
  try {
    PackedDataset ds(out_.path());
    FAIL() << "truncated shard was accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), shard.string());
    EXPECT_EQ(e.sample(), cut_sample);
  }
}

TEST_F(DataCorrupt, ShardTruncatedAfterOpenFailsTheReadNamingTheSample) {
  PackedDataset ds(out_.path());
  const uint32_t last = static_cast<uint32_t>(ds.sample_count() - 1);
  std::filesystem::resize_file(ds.shard_path(ds.entry(last).shard), ds.entry(last).offset + 1);
  try {
    ds.read(last);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.sample(), last);
    EXPECT_EQ(e.file(), ds.shard_path(ds.entry(last).shard).string());
  }
}

TEST_F(DataCorrupt, CorruptOrTruncatedIndexIsRefused) {
  auto index = live_generation(out_.path()) / kIndexFile;
  flip_byte(index, sizeof(IndexHeader) + 30);
  try {
    PackedDataset ds(out_.path());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), index.string());
  }
  flip_byte(index, sizeof(IndexHeader) + 30);
  std::filesystem::resize_file(index, std::filesystem::file_size(index) - 5);
  EXPECT_THROW(PackedDataset{out_.path()}, DataError);
}

TEST_F(DataCorrupt, MissingCurrentSaysItIsNotADataset) {
  TempDir empty;
  try {
    PackedDataset ds(empty.path());
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), (empty.path() / "CURRENT").string());
  }
}

TEST_F(DataCorrupt, LoaderRaisesTheErrorAtTheCorruptSample) {
  const uint32_t victim = 5;
  {
    PackedDataset ds(out_.path());
    flip_byte(ds.shard_path(ds.entry(victim).shard), ds.entry(victim).offset);
  }
  PackedDataset ds(out_.path());
  LoaderOptions o;
  o.batch_size = 4;
  Loader loader(ds, o);
  loader.start_epoch(0);
  uint64_t served = 0;
  try {
    for (Batch b; loader.next(b);) served += b.samples.size();
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.sample(), victim);
  }
  auto seq = loader.sequence(0);
  EXPECT_EQ(served / 4 * 4, (std::find(seq.begin(), seq.end(), victim) - seq.begin()) / 4 * 4);
}

}  // namespace
}  // namespace hycim::data
