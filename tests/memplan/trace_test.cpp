#include <gtest/gtest.h>

#include "runtime/memplan/networks.hpp"
#include "runtime/memplan/trace_json.hpp"

namespace hycim::memplan {
namespace {

TEST(MemplanTrace, NetworksAnalyze) {
  for (const auto& n : network_names()) {
    const Trace tr = make_network(n, 8);
    const auto lt = analyze(tr);
    int managed = 0;
    for (const auto& l : lt) managed += l.managed;
    EXPECT_GT(managed, 10) << n;
  }
}

}  // namespace
}  // namespace hycim::memplan
