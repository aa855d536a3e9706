// Small hand-sized traces for exact assertions.
#pragma once
#include <limits>

#include "runtime/memplan/trace_builder.hpp"

namespace hycim::memplan::testing {

// Hardware whose op time is exactly flops / 1e6 us (1 TFLOP/s) and whose links
// move 1000 bytes per us, so test numbers stay readable.
inline Hardware unit_hw() {
  Hardware hw;
  hw.gpu_tflops = 1.0;
  hw.gpu_mem_gbps = std::numeric_limits<double>::infinity();  // loss ops take 0 us
  hw.d2h_gbps = 1.0;
  hw.h2d_gbps = 1.0;
  return hw;
}

// n layers in a chain, each 10 us forward (20 us backward), activation
// `bytes` each, 100-byte weights, input 100 bytes.
inline Trace chain(int n, std::uint64_t bytes, double sparsity = 0.0) {
  TraceBuilder b("chain", 1, unit_hw());
  int x = b.input("x", 100);
  for (int i = 0; i < n; ++i) x = b.layer("l" + std::to_string(i), {x}, 100, 10e6, bytes, sparsity);
  return b.finish(x);
}

}  // namespace hycim::memplan::testing
