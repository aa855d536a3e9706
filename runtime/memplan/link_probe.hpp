// Measures the host<->device copy bandwidth the planners assume, on whatever
// backend the executor would use (a GPU's PCIe/NVLink link, or memcpy on the
// host backend), so the hardware model's d2h/h2d figures can come from the
// machine instead of a data sheet.
#pragma once
#include <cstdint>

#include "runtime/memplan/backend.hpp"
#include "runtime/memplan/hardware.hpp"

namespace hycim::memplan {

// `base` with d2h_gbps and h2d_gbps replaced by the best of `repeats` copies
// of `bytes` each way, timed with the backend's events.
Hardware measure_links(Backend& backend, Hardware base, std::uint64_t bytes = 64 << 20,
                       int repeats = 5);

}  // namespace hycim::memplan
