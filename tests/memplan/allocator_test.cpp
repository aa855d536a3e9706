// Caching allocator: size classes, stream-ordered reuse, capacity, stats.
#include "runtime/memplan/allocator.hpp"

#include <gtest/gtest.h>

namespace hycim::memplan {
namespace {

class MemplanAllocator : public ::testing::Test {
 protected:
  std::vector<bool> done_;  // event i completed?
  CachingAllocator make(std::uint64_t capacity) {
    return CachingAllocator(make_host_source(), capacity,
                            [this](std::uint64_t e) { return e < done_.size() && done_[e]; });
  }
};

TEST_F(MemplanAllocator, SizeClasses) {
  EXPECT_EQ(CachingAllocator::size_class(1), 512u);
  EXPECT_EQ(CachingAllocator::size_class(512), 512u);
  EXPECT_EQ(CachingAllocator::size_class(513), 1024u);
  EXPECT_EQ(CachingAllocator::size_class((1 << 20) + 1), (1u << 20) + 128 * 1024);
}

TEST_F(MemplanAllocator, SameStreamReusesAtOnceOtherStreamAfterEvent) {
  auto a = make(1 << 20);
  done_ = {false};
  Block b = a.allocate(1000, 0);
  void* p = b.ptr;
  a.free(b, 0, 0);
  Block other = a.allocate(1000, 1);  // event 0 pending: not reusable on stream 1
  EXPECT_NE(other.ptr, p);
  Block same = a.allocate(1000, 0);  // stream order makes it safe on stream 0
  EXPECT_EQ(same.ptr, p);
  a.free(same, 0, 0);
  done_[0] = true;
  Block later = a.allocate(1000, 1);
  EXPECT_EQ(later.ptr, p);
  EXPECT_EQ(a.stats().hits, 2u);
  EXPECT_EQ(a.stats().misses, 2u);
  a.free(later, 1, 0);
  a.free(other, 1, 0);
}

TEST_F(MemplanAllocator, CapacityFlushesCacheThenFails) {
  auto a = make(2048);
  done_ = {true};
  Block x = a.allocate(1024, 0), y = a.allocate(1024, 0);
  EXPECT_TRUE(x.valid() && y.valid());
  EXPECT_FALSE(a.allocate(1, 0).valid());  // 2048 reserved, nothing cached
  a.free(x, 0, 0);
  Block z = a.allocate(512, 0);  // another class: the cached 1024 goes back first
  ASSERT_TRUE(z.valid());
  EXPECT_EQ(a.stats().reserved, 1536u);
  EXPECT_EQ(a.stats().flushes, 2u);
  EXPECT_EQ(a.stats().failures, 1u);
  a.free(y, 0, 0);
  a.free(z, 0, 0);
}

TEST_F(MemplanAllocator, FragmentationIsUnrequestedShareOfReserved) {
  auto a = make(1 << 20);
  Block b = a.allocate(384, 0);  // class 512
  EXPECT_DOUBLE_EQ(a.stats().fragmentation(), 0.25);
  EXPECT_EQ(a.stats().peak_requested, 384u);
  a.free(b, 0, 0);
  EXPECT_DOUBLE_EQ(a.stats().fragmentation(), 1.0);  // all of it cached
}

}  // namespace
}  // namespace hycim::memplan
