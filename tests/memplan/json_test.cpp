// Trace and plan JSON: round trips, and every malformed case names its fault.
#include <gtest/gtest.h>

#include "runtime/memplan/networks.hpp"
#include "runtime/memplan/plan.hpp"
#include "runtime/memplan/trace_json.hpp"
#include "tests/memplan/test_traces.hpp"

namespace hycim::memplan {
namespace {

using nlohmann::json;

json tiny() {
  return json::parse(R"({"format": "hycim-memplan-trace", "version": 1,
    "tensors": [{"name": "x", "kind": "input", "bytes": 16},
                {"name": "y", "kind": "activation", "bytes": 32, "sparsity": 0.5}],
    "ops": [{"name": "f", "phase": "forward", "compute_us": 1.5, "reads": ["x"], "writes": ["y"]},
            {"name": "b", "phase": "backward", "compute_us": 3, "reads": ["y"], "writes": []}]})");
}

std::string error_of(const json& j) {
  try {
    trace_from_json(j);
  } catch (const MemplanError& e) {
    return e.what();
  }
  return "";
}

TEST(MemplanJson, TraceRoundTrip) {
  const Trace tr = make_network("resnet50", 2);
  const Trace back = trace_from_json(trace_to_json(tr));
  EXPECT_EQ(trace_to_json(back), trace_to_json(tr));
  EXPECT_EQ(back.ops.size(), tr.ops.size());
  EXPECT_EQ(back.tensors[5].bytes, tr.tensors[5].bytes);
}

TEST(MemplanJson, TinyTraceParses) {
  const Trace tr = trace_from_json(tiny());
  ASSERT_EQ(tr.tensors.size(), 2u);
  EXPECT_DOUBLE_EQ(tr.tensors[1].sparsity, 0.5);
  EXPECT_TRUE(analyze(tr)[1].managed);
}

TEST(MemplanJson, MalformedTracesNameTheProblem) {
  json j = tiny();
  j["format"] = "onnx";
  EXPECT_NE(error_of(j).find("format is \"onnx\""), std::string::npos);
  j = tiny();
  j["ops"][0]["reads"] = {"z"};
  EXPECT_NE(error_of(j).find("op 'f' reads unknown tensor 'z'"), std::string::npos);
  j = tiny();
  j["ops"][0].erase("compute_us");
  EXPECT_NE(error_of(j).find("op 'f' has no \"compute_us\""), std::string::npos);
  j = tiny();
  j["tensors"][1]["bytes"] = "many";
  EXPECT_NE(error_of(j).find("tensor 'y' field \"bytes\" has the wrong type"), std::string::npos);
  j = tiny();
  j["tensors"][1]["sparsity"] = 1.5;
  EXPECT_NE(error_of(j).find("sparsity 1.5 is outside"), std::string::npos);
  j = tiny();
  std::swap(j["ops"][0], j["ops"][1]);
  EXPECT_NE(error_of(j).find("op 'b' reads tensor 'y' before any op writes it"), std::string::npos);
  j = tiny();
  j["ops"][1]["writes"] = {"y"};
  EXPECT_NE(error_of(j).find("'y' is written by op 'f' and op 'b'"), std::string::npos);
  j = tiny();
  j["tensors"][1]["kind"] = "blob";
  EXPECT_NE(error_of(j).find("unknown kind \"blob\""), std::string::npos);
  j = tiny();
  j["tensors"][0]["name"] = "y";
  EXPECT_NE(error_of(j).find("'y' appears twice"), std::string::npos);
  EXPECT_NE(error_of(json::array()).find("top level is not a JSON object"), std::string::npos);
}

TEST(MemplanJson, UnreadableFilesAreReported) {
  EXPECT_THROW(load_trace("/nonexistent/trace.json"), MemplanError);
  const std::string path = ::testing::TempDir() + "/memplan_bad.json";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"format\": ", f);
  std::fclose(f);
  try {
    load_trace(path);
    FAIL();
  } catch (const MemplanError& e) {
    EXPECT_NE(std::string(e.what()).find("is not valid JSON"), std::string::npos);
  }
}

TEST(MemplanJson, PlanRoundTrip) {
  const Trace tr = testing::chain(3, 1000);
  Plan p = Plan::keep_all(tr, "test");
  p.tensors[tr.tensor_id("l0.out")] = {Action::kSwap, true, 2, 5, -1};
  p.tensors[tr.tensor_id("l1.out")] = {Action::kRecompute, false, -1, -1, 5};
  const json j = plan_to_json(tr, p);
  EXPECT_EQ(j["tensors"][0]["free_at"], "l2");
  const Plan back = plan_from_json(tr, j);
  EXPECT_EQ(plan_to_json(tr, back), j);
  json bad = j;
  bad["tensors"][0]["swap_in_at"] = "nowhere";
  EXPECT_THROW(plan_from_json(tr, bad), MemplanError);
  bad = j;
  bad["tensors"][1]["action"] = "drop";
  EXPECT_THROW(plan_from_json(tr, bad), MemplanError);
}

TEST(MemplanJson, HardwareRejectsUnknownKeys) {
  EXPECT_DOUBLE_EQ(hardware_from_json({{"h2d_gbps", 25.0}}).h2d_gbps, 25.0);
  EXPECT_THROW(hardware_from_json({{"pcie", 3}}), MemplanError);
  EXPECT_THROW(hardware_from_json({{"d2h_gbps", -1}}), MemplanError);
  EXPECT_EQ(hardware_from_json(hardware_to_json(Hardware{})).gpu_tflops, Hardware{}.gpu_tflops);
}

TEST(MemplanJson, UnknownNetworkAndBatchAreRejected) {
  EXPECT_THROW(make_network("alexnet", 8), MemplanError);
  EXPECT_THROW(make_network("vgg16", 0), MemplanError);
}

}  // namespace
}  // namespace hycim::memplan
