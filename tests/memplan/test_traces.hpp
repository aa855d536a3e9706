// Small hand-sized traces for exact assertions.
#pragma once
#include <limits>
#include <string>

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

// prefix followed by i. Appending instead of `"l" + std::to_string(i)`: GCC 12
// reports a false -Wrestrict overlap in that operator+ at -O3 (GCC PR 105651).
inline std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

// n layers in a chain, each 10 us forward (20 us backward), activation
// `bytes` each, 100-byte weights, input 100 bytes.
inline Trace chain(int n, std::uint64_t bytes, double sparsity = 0.0) {
  TraceBuilder b("chain", 1, unit_hw());
  int x = b.input("x", 100);
  for (int i = 0; i < n; ++i) x = b.layer(numbered("l", i), {x}, 100, 10e6, bytes, sparsity);
  return b.finish(x);
}

}  // namespace hycim::memplan::testing

namespace hycim::memplan::testing {

// A small residual network: blocks of two layers plus a skip-add, with
// activation sizes and op times varying so that swap, recompute and keep each
// win somewhere. `sparsity` applies to every activation.
inline Trace residual(int blocks, double sparsity = 0.0) {
  TraceBuilder b("residual", 1, unit_hw());
  int x = b.input("x", 100);
  x = b.layer("stem", {x}, 100, 5e6, 4000, sparsity);
  for (int i = 0; i < blocks; ++i) {
    const std::string n = numbered("b", i);
    const std::uint64_t wide = 2000 + 1000 * (i % 3);
    const int h = b.layer(n + ".a", {x}, 100, (8 + 4 * (i % 2)) * 1e6, wide, sparsity);
    const int g = b.layer(n + ".b", {h}, 100, 3e6, 4000, sparsity);
    x = b.layer(n + ".add", {g, x}, 0, 0.5e6, 4000, sparsity);
  }
  return b.finish(b.layer("head", {x}, 100, 2e6, 500, 0.0));
}

}  // namespace hycim::memplan::testing
