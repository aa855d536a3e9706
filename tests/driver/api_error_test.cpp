// The API's error paths on both backends: DMA windows (unmapped, read-only,
// running out), the per-context error log, reset, and isolation between
// contexts (a context never reaches another's buffers).
#include <cstring>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

CompletionRecord one(Queue& q, const CommandRecord& c) {
  EXPECT_EQ(q.submit(c), Status::kOk);
  CompletionRecord out{};
  size_t n = 0;
  EXPECT_EQ(q.wait({&out, 1}, 1, 5000ms, &n), Status::kOk);
  return out;
}

TEST_P(DriverApi, UnmappedBufferFaultsAndIsLogged) {
  const uint32_t sram0 = dev_->capabilities().nvm_rows;
  auto buf = dev_->alloc(256);
  std::memset(buf->data(), 0x5a, 256);
  auto q = dev_->create_queue(4);
  auto c = one(*q, cmd::read_sram(9, 0, sram0, 1, buf->iova()));
  EXPECT_EQ(c.status, static_cast<uint16_t>(sd::DevStatus::kDmaFault));
  EXPECT_EQ(buf->bytes()[0], 0x5a);  // nothing written
  ErrorInfo e{};
  ASSERT_EQ(dev_->read_error(&e, true), Status::kOk);
  EXPECT_EQ(e.code, static_cast<uint32_t>(sd::DevStatus::kDmaFault));
  EXPECT_EQ(e.seq, 9u);
  EXPECT_EQ(e.addr, buf->iova());
  EXPECT_EQ(e.count, 1u);
  ASSERT_EQ(dev_->read_error(&e), Status::kOk);
  EXPECT_EQ(e.count, 0u);  // cleared
  ASSERT_EQ(buf->map(kRw), Status::kOk);
  EXPECT_EQ(one(*q, cmd::read_sram(10, 0, sram0, 1, buf->iova())).status, 0);
  ASSERT_EQ(buf->unmap(), Status::kOk);
  EXPECT_EQ(one(*q, cmd::read_sram(11, 0, sram0, 1, buf->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kDmaFault));
}

TEST_P(DriverApi, ReadOnlyBufferIsNeverWritten) {
  const uint32_t sram0 = dev_->capabilities().nvm_rows;
  auto buf = mapped(*dev_, 64, HYCIM_ACCESS_READ, 0x11);
  auto q = dev_->create_queue(4);
  EXPECT_EQ(one(*q, cmd::write_sram(1, 0, sram0, 1, buf->iova())).status, 0);
  EXPECT_EQ(one(*q, cmd::read_sram(2, 0, sram0, 1, buf->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kDmaFault));
  EXPECT_EQ(buf->bytes()[0], 0x11);
}

TEST_P(DriverApi, DmaWindowsRunOut) {
  std::vector<std::unique_ptr<Buffer>> bufs;
  for (uint32_t i = 0; i < dev_->capabilities().dma_windows; ++i) bufs.push_back(mapped(*dev_, 64));
  auto extra = dev_->alloc(64);
  EXPECT_EQ(extra->map(kRw), Status::kNoSpace);
  EXPECT_EQ(bufs[0]->map(HYCIM_ACCESS_READ), Status::kOk);  // remapping takes no new window
  bufs.pop_back();                                          // freeing unmaps
  EXPECT_EQ(extra->map(kRw), Status::kOk);
}

TEST_P(DriverApi, TileErrorsComeBackAsStatus) {
  auto q = dev_->create_queue(4);
  auto buf = mapped(*dev_, 64);
  // Row 0 is NVM: WRITE_SRAM there is a row-range error; tile 5 does not exist.
  EXPECT_EQ(one(*q, cmd::write_sram(1, 0, 0, 1, buf->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kTileRowRange));
  EXPECT_EQ(one(*q, cmd::nop(2)).status, 0);
  EXPECT_EQ(one(*q, cmd::read_sram(3, 5, 0, 1, buf->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kBadTile));
  ErrorInfo e{};
  ASSERT_EQ(dev_->read_error(&e), Status::kOk);
  EXPECT_EQ(e.code, static_cast<uint32_t>(sd::DevStatus::kBadTile));
  EXPECT_EQ(e.seq, 3u);
  EXPECT_EQ(e.count, 2u);
}

TEST_P(DriverApi, ResetZeroesSramKeepsNvmAndLog) {
  const uint32_t lanes = dev_->capabilities().lanes, sram0 = dev_->capabilities().nvm_rows;
  auto buf = mapped(*dev_, 4 * lanes, kRw, 0x33);
  auto q = dev_->create_queue(8);
  EXPECT_EQ(one(*q, cmd::write_sram(1, 0, sram0, 1, buf->iova())).status, 0);
  EXPECT_EQ(one(*q, cmd::program_nvm(2, 0, 3, 1, buf->iova())).status, 0);
  EXPECT_EQ(one(*q, cmd::read_sram(3, 0, 0, 1, 0x10)).status,
            static_cast<uint16_t>(sd::DevStatus::kDmaFault));
  ASSERT_EQ(dev_->reset(), Status::kOk);
  ErrorInfo e{};
  ASSERT_EQ(dev_->read_error(&e), Status::kOk);
  EXPECT_EQ(e.count, 0u);
  std::memset(buf->data(), 0xff, buf->size());
  // Windows and queues of the context survive the reset.
  EXPECT_EQ(one(*q, cmd::read_sram(4, 0, sram0, 1, buf->iova())).status, 0);
  EXPECT_EQ(one(*q, cmd::read_sram(5, 0, 3, 1, buf->iova() + lanes)).status, 0);
  for (uint32_t l = 0; l < lanes; ++l) {
    EXPECT_EQ(buf->bytes()[l], 0);             // SRAM zeroed
    EXPECT_EQ(buf->bytes()[lanes + l], 0x33);  // NVM kept
  }
}

TEST_P(DriverApi, ContextsNeverReachEachOthersBuffers) {
  const uint32_t sram0 = dev_->capabilities().nvm_rows;
  auto secret = mapped(*dev_, 64, kRw, 0x77);
  auto other = open();
  auto q = other->create_queue(4);
  // The other context has nothing at that IOVA: refused, nothing moved.
  EXPECT_EQ(one(*q, cmd::read_sram(1, 0, sram0, 1, secret->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kDmaFault));
  EXPECT_EQ(one(*q, cmd::write_sram(2, 0, sram0, 1, secret->iova())).status,
            static_cast<uint16_t>(sd::DevStatus::kDmaFault));
  EXPECT_EQ(secret->bytes()[0], 0x77);
  // Its own buffer at the same IOVA is a different memory.
  auto mine = mapped(*other, 64, kRw, 0x01);
  EXPECT_EQ(mine->iova(), secret->iova());
  EXPECT_EQ(one(*q, cmd::write_sram(3, 0, sram0, 1, mine->iova())).status, 0);
  EXPECT_EQ(one(*q, cmd::read_sram(4, 0, sram0, 1, mine->iova() + 16)).status, 0);
  EXPECT_EQ(secret->bytes()[16], 0x77);
  EXPECT_EQ(mine->bytes()[16], 0x01);
  // The error log is per context too.
  ErrorInfo e{};
  ASSERT_EQ(dev_->read_error(&e), Status::kOk);
  EXPECT_EQ(e.count, 0u);
  ASSERT_EQ(other->read_error(&e), Status::kOk);
  EXPECT_EQ(e.count, 2u);
}

TEST_P(DriverApi, BuffersAndQueuesOutliveTheirDevice) {
  auto buf = mapped(*dev_, 64);
  auto q = dev_->create_queue(4);
  dev_.reset();
  EXPECT_EQ(one(*q, cmd::nop(1)).seq, 1u);
  EXPECT_EQ(buf->unmap(), Status::kOk);
}

}  // namespace
}  // namespace hycim::driver::test
