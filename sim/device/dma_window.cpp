#include "sim/device/dma_window.hpp"

namespace hycim::device {

bool window_allows(const std::array<DmaWindow, spec::device::kDmaWindows>& windows,
                   const HostRange& r) {
  if (r.len == 0) return true;
  for (const DmaWindow& w : windows) {
    if ((w.ctrl & r.need) != r.need || w.size == 0) continue;
    // Written without addr + len, which could wrap around 2^64.
    if (r.addr >= w.base && r.addr - w.base <= w.size && r.len <= w.size - (r.addr - w.base))
      return true;
  }
  return false;
}

}  // namespace hycim::device
