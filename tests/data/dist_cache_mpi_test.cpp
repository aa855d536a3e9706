// The distributed cache with 4 ranks (mpirun -np 4, see CMakeLists.txt):
// every sample of an epoch reaches exactly one rank, byte-exact; every rank
// makes the same number of steps even with little data; requests are spread
// evenly over servers; tiny partitions fall back to pulls without hanging.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>

#include "runtime/data/dataset.hpp"
#include "runtime/data/dist_cache.hpp"
#include "runtime/data/pack.hpp"
#include "tests/data/data_test_util.hpp"

namespace hycim::data {
namespace {

using testing::content_for;
using testing::make_tree;
using testing::TempDir;

int rank() {
  int r;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world() {
  int w;
  MPI_Comm_size(MPI_COMM_WORLD, &w);
  return w;
}

// Rank 0 packs `count` samples into a fresh dataset; every rank opens it.
class SharedDataset {
 public:
  explicit SharedDataset(uint32_t count) {
    std::string path;
    if (rank() == 0) {
      tmp_ = std::make_unique<TempDir>();
      make_tree(tmp_->path() / "src", count, 3, {900, 2500, 400, 6000});
      PackOptions o;
      o.shard_bytes = 16384;
      pack_directory(tmp_->path() / "src", tmp_->path() / "ds", o);
      path = (tmp_->path() / "ds").string();
    }
    int len = static_cast<int>(path.size());
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    path.resize(static_cast<size_t>(len));
    MPI_Bcast(path.data(), len, MPI_CHAR, 0, MPI_COMM_WORLD);
    ds_ = std::make_unique<PackedDataset>(path);
  }
  ~SharedDataset() {
    ds_.reset();
    MPI_Barrier(MPI_COMM_WORLD);  // nobody reads while rank 0 removes it
  }
  PackedDataset& get() { return *ds_; }

 private:
  std::unique_ptr<TempDir> tmp_;
  std::unique_ptr<PackedDataset> ds_;
};

// Runs one epoch; returns how often each id was delivered over all ranks (on rank 0).
std::vector<int> epoch_counts(DistributedCache& dc, PackedDataset& ds, uint64_t epoch,
                              uint64_t& steps) {
  std::vector<int> mine(ds.sample_count(), 0), all(ds.sample_count(), 0);
  dc.start_epoch(epoch);
  steps = 0;
  for (Batch b; dc.next(b); ++steps)
    for (auto& s : b.samples) {
      mine[s.id]++;
      EXPECT_EQ(s.bytes, content_for(ds.name(s.id), ds.entry(s.id).length)) << s.id;
    }
  MPI_Reduce(mine.data(), all.data(), static_cast<int>(mine.size()), MPI_INT, MPI_SUM, 0,
             MPI_COMM_WORLD);
  return all;
}

TEST(DataDistCache, EverySampleReachesExactlyOneRank) {
  ASSERT_EQ(world(), 4);
  SharedDataset ds(400);
  DistOptions o;
  o.batch_size = 8;
  o.seed = 21;
  DistributedCache dc(MPI_COMM_WORLD, ds.get(), o);
  for (uint64_t e = 0; e < 2; ++e) {
    uint64_t steps = 0;
    auto counts = epoch_counts(dc, ds.get(), e, steps);
    EXPECT_EQ(steps, 13u);  // 100 samples per rank in batches of 8
    if (rank() == 0) {
      EXPECT_EQ(std::count(counts.begin(), counts.end(), 1), 400) << e;
    }
    uint64_t mine[2] = {dc.stats().received_pushed, dc.stats().pulled}, sum[2];
    MPI_Allreduce(mine, sum, 2, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(sum[0] + sum[1], 400u);
  }
}

TEST(DataDistCache, RequestsAreSpreadEvenlyOverServers) {
  // Client c's positions 0..B-1 of any batch go round-robin to the servers.
  for (uint32_t c = 0; c < 4; ++c) {
    std::vector<int> per_server(4, 0);
    for (uint64_t j = 0; j < 100; ++j) per_server[DistributedCache::server_of(c, j, 4)]++;
    EXPECT_EQ(per_server, (std::vector<int>{25, 25, 25, 25}));
  }
}

TEST(DataDistCache, LittleDataStillGivesEveryRankTheSameSteps) {
  SharedDataset ds(6);  // 1 sample per rank, 2 sit the epoch out
  DistOptions o;
  o.batch_size = 4;
  DistributedCache dc(MPI_COMM_WORLD, ds.get(), o);
  uint64_t steps = 0;
  auto counts = epoch_counts(dc, ds.get(), 0, steps);
  EXPECT_EQ(steps, 1u);
  if (rank() == 0) {
    EXPECT_EQ(std::count(counts.begin(), counts.end(), 1), 4);
    EXPECT_EQ(std::count(counts.begin(), counts.end(), 0), 2);
  }
}

TEST(DataDistCache, PartitionSmallerThanASampleFallsBackToPulls) {
  SharedDataset ds(120);
  DistOptions o;
  o.batch_size = 5;
  o.remainder = Remainder::pad;
  o.partition.capacity_bytes = 1;
  DistributedCache dc(MPI_COMM_WORLD, ds.get(), o);
  uint64_t steps = 0;
  auto counts = epoch_counts(dc, ds.get(), 3, steps);
  EXPECT_EQ(steps, 6u);
  if (rank() == 0) {
    EXPECT_EQ(std::count(counts.begin(), counts.end(), 1), 120);
  }
  // A partition that holds one sample at a time pushes only the sample just
  // loaded; every other sample of a batch (four more per server per step,
  // asked for within a microsecond) is read by its client itself. Pushes and
  // pulls together are exactly the epoch, and every push sent was received.
  uint64_t mine[3] = {dc.stats().received_pushed, dc.stats().pulled, dc.stats().served}, sum[3];
  MPI_Allreduce(mine, sum, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(sum[0] + sum[1], 120u);
  EXPECT_EQ(sum[2], sum[0]);
  EXPECT_GE(sum[1], 4u * 6u) << "at least one pull per rank per step";
}

}  // namespace
}  // namespace hycim::data

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  // One report, from rank 0; the other ranks still run every test (the
  // collectives need them) and fail the run through their exit code.
  if (hycim::data::rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  int worst = 0;
  MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
