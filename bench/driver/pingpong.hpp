// The baseline of the driver benchmark: a raw shared-memory ping-pong between
// two processes, woken through eventfds exactly as the driver's queues are
// (doorbell one way, completion the other), with no device behind it.
#pragma once
#include <cstdint>
#include <vector>

namespace hycim::driver::bench {

// Round-trip times in ns of `iterations` ping-pongs (after a warm-up).
std::vector<double> raw_pingpong(uint32_t iterations);

}  // namespace hycim::driver::bench
