// The DMA window rule at its edges: a range that ends on the window's last
// byte passes, one byte more is refused, as is one byte before the base; the
// access kind must be granted; no address arithmetic wraps around 2^64.
#include "sim/device/dma_window.hpp"

#include <gtest/gtest.h>

namespace hycim::device {
namespace {

namespace wc = spec::device::win_ctrl;
using Windows = std::array<DmaWindow, spec::device::kDmaWindows>;

Windows one_window(uint64_t base, uint64_t size, uint32_t ctrl) {
  Windows w{};
  w[3] = {base, size, ctrl};
  return w;
}

TEST(DmaWindowRule, RangesEndingOnTheLastByteFitAndOneMoreDoesNot) {
  const Windows w = one_window(0x1000, 0x100, wc::kRead | wc::kWrite);
  EXPECT_TRUE(window_allows(w, {0x1000, 0x100, wc::kRead}));
  EXPECT_TRUE(window_allows(w, {0x10ff, 1, wc::kWrite}));
  EXPECT_TRUE(window_allows(w, {0x1080, 0x80, wc::kRead | wc::kWrite}));
  EXPECT_FALSE(window_allows(w, {0x1000, 0x101, wc::kRead}));  // one byte over the end
  EXPECT_FALSE(window_allows(w, {0x1001, 0x100, wc::kRead}));  // shifted by one
  EXPECT_FALSE(window_allows(w, {0x10ff, 2, wc::kWrite}));
  EXPECT_FALSE(window_allows(w, {0x1100, 1, wc::kRead}));  // the first byte after
  EXPECT_FALSE(window_allows(w, {0x0fff, 2, wc::kRead}));  // one byte before the base
  EXPECT_FALSE(window_allows(w, {0x0fff, 1, wc::kRead}));
}

TEST(DmaWindowRule, TheAccessMustBeGrantedAndEmptyRangesTouchNothing) {
  const Windows ro = one_window(0x1000, 0x100, wc::kRead);
  EXPECT_TRUE(window_allows(ro, {0x1000, 0x10, wc::kRead}));
  EXPECT_FALSE(window_allows(ro, {0x1000, 0x10, wc::kWrite}));
  EXPECT_FALSE(window_allows(ro, {0x1000, 0x10, wc::kRead | wc::kWrite}));
  EXPECT_TRUE(window_allows(ro, {0xdead0000, 0, wc::kWrite}));  // empty: nothing is touched
  EXPECT_FALSE(window_allows(Windows{}, {0, 1, wc::kRead}));    // no window at all
  // A window with no size grants nothing, even at its base.
  EXPECT_FALSE(window_allows(one_window(0x1000, 0, wc::kRead), {0x1000, 1, wc::kRead}));
}

TEST(DmaWindowRule, NoArithmeticWrapsAroundTheAddressSpace) {
  const uint64_t top = ~uint64_t{0};
  const Windows w = one_window(top - 0xff, 0x100, wc::kRead);  // the last 256 bytes
  EXPECT_TRUE(window_allows(w, {top - 0xff, 0x100, wc::kRead}));
  EXPECT_TRUE(window_allows(w, {top, 1, wc::kRead}));
  EXPECT_FALSE(window_allows(w, {top, 2, wc::kRead}));  // addr + len would wrap to 0
  EXPECT_FALSE(window_allows(w, {top - 0xff, top, wc::kRead}));
  const Windows low = one_window(0, 0x100, wc::kRead);
  EXPECT_FALSE(window_allows(low, {0x10, top, wc::kRead}));  // wraps back into the window
}

}  // namespace
}  // namespace hycim::device
