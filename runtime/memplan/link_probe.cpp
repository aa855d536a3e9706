#include "runtime/memplan/link_probe.hpp"

#include <algorithm>
#include <vector>

#include "runtime/memplan/trace.hpp"

namespace hycim::memplan {

Hardware measure_links(Backend& be, Hardware hw, std::uint64_t bytes, int repeats) {
  auto src = be.device_source();
  void* dev = src->allocate(bytes);
  if (!dev) throw MemplanError("link probe: cannot allocate device memory for the probe");
  std::vector<std::uint8_t> host(bytes, 1);
  double best_in = 1e300, best_out = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto a = be.record(kToDevice);
    be.copy_to_device(dev, host.data(), bytes, kToDevice);
    const auto b = be.record(kToDevice);
    be.wait(kToHost, b);  // one direction at a time: each gets the link alone
    const auto c = be.record(kToHost);
    be.copy_to_host(host.data(), dev, bytes, kToHost);
    const auto d = be.record(kToHost);
    be.synchronize();
    best_in = std::min(best_in, be.elapsed_us(a, b));
    best_out = std::min(best_out, be.elapsed_us(c, d));
  }
  src->release(dev, bytes);
  const double mb = static_cast<double>(bytes) / 1e3;  // bytes per us -> GB/s
  if (best_in > 0) hw.h2d_gbps = mb / best_in;
  if (best_out > 0) hw.d2h_gbps = mb / best_out;
  return hw;
}

}  // namespace hycim::memplan
