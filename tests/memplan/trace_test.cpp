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

// Traces built in code are held to the same names as loaded ones: the plan
// a planner writes for them must read back against the same ops.
TEST(MemplanTrace, AnalyzeRefusesNamesGivenTwice) {
  Trace tr = make_network("vgg16", 2);
  Trace ops_twice = tr;
  ops_twice.ops[3].name = ops_twice.ops[1].name;
  try {
    analyze(ops_twice);
    FAIL();
  } catch (const MemplanError& e) {
    EXPECT_EQ(std::string(e.what()),
              "trace: op name '" + tr.ops[1].name + "' appears twice (op #1 and op #3)");
  }
  Trace tensors_twice = tr;
  tensors_twice.tensors[2].name = tensors_twice.tensors[0].name;
  EXPECT_THROW(analyze(tensors_twice), MemplanError);
}

}  // namespace
}  // namespace hycim::memplan
