// The DMA window rule (docs/device.md, "DMA windows"), with no bus behind it:
// a command's host ranges are all checked against the windows before any of
// them is touched. Both timings of the device use it.
#pragma once
#include <array>
#include <cstdint>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/registers.hpp"

namespace hycim::device {

struct HostRange {
  uint64_t addr = 0;
  uint64_t len = 0;
  uint32_t need = 0;  // spec::device::win_ctrl::kRead or kWrite
};

// True when [r.addr, r.addr + r.len) lies inside one window whose WIN_CTRL
// grants r.need. Empty ranges always pass (nothing is touched).
bool window_allows(const std::array<DmaWindow, spec::device::kDmaWindows>& windows,
                   const HostRange& r);

}  // namespace hycim::device
