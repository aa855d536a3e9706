// Trace and plan JSON: round trips, and every malformed case names its fault.
#include <gtest/gtest.h>

#include <fstream>

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

// What plan_from_json says of `j` for trace `tr`; "" when it takes it.
std::string error_of_plan(const Trace& tr, const json& j) {
  try {
    plan_from_json(tr, j);
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

// Plans, profiles and Chrome traces name ops, so two ops of one name would
// make them read against the wrong op: refused on load, naming both.
TEST(MemplanJson, DuplicateOpNamesAreRefusedWithBothIndices) {
  json j = tiny();
  j["ops"][1]["name"] = "f";
  EXPECT_EQ(error_of(j), "trace: op name 'f' appears twice (op #0 and op #1)");
  j = tiny();
  j["ops"].push_back(j["ops"][1]);
  EXPECT_EQ(error_of(j), "trace: op name 'b' appears twice (op #1 and op #2)");
  j = tiny();
  j["tensors"][1]["name"] = "x";
  EXPECT_EQ(error_of(j), "trace: tensor name 'x' appears twice (tensor #0 and tensor #1)");
  const std::string path = ::testing::TempDir() + "/memplan_dup_ops.json";
  j = tiny();
  j["ops"][0]["name"] = "b";
  std::ofstream(path) << j.dump();
  try {
    load_trace(path);
    FAIL();
  } catch (const MemplanError& e) {
    EXPECT_STREQ(e.what(), "trace: op name 'b' appears twice (op #0 and op #1)");
  }
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

// Found by memplan_files_fuzz: numbers out of an integer field's range (a
// float one is undefined behaviour to convert), numbers too large for a
// double in the file, and plan members of the wrong JSON type are refused as
// MemplanErrors naming the field, not as nlohmann's exceptions.
TEST(MemplanJson, NumbersOutOfRangeAreRefusedByField) {
  json j = tiny();
  j["version"] = 1e300;
  EXPECT_NE(error_of(j).find("top level field \"version\" (1e+300) is not an integer in"),
            std::string::npos)
      << error_of(j);
  j = tiny();
  j["batch"] = 4294967297u;
  EXPECT_NE(error_of(j).find("field \"batch\" (4294967297) is not an integer"), std::string::npos);
  j = tiny();
  j["tensors"][0]["bytes"] = 1.5;
  EXPECT_NE(error_of(j).find("tensor 'x' field \"bytes\" (1.5) is not an integer"),
            std::string::npos);
  j = tiny();
  j["tensors"][0]["bytes"] = 9.3e18;
  EXPECT_NE(error_of(j).find("field \"bytes\""), std::string::npos);
  j = tiny();
  j["version"] = 1.0;  // an integral float is the integer
  EXPECT_EQ(error_of(j), "");
  const std::string path = ::testing::TempDir() + "/memplan_overflow.json";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"format\": \"hycim-memplan-trace\", \"version\": 1e999}", f);
  std::fclose(f);
  try {
    load_trace(path);
    FAIL();
  } catch (const MemplanError& e) {
    EXPECT_NE(std::string(e.what()).find("number overflow"), std::string::npos) << e.what();
  }
}

// A swap or recompute without its slots yet (assign_remat_slots fills them
// later) is written with null slots, and reads back as the same plan (found
// by memplan_files_fuzz: null was refused as "not an op name").
TEST(MemplanJson, PlanWithoutSlotsRoundTrips) {
  const Trace tr = testing::chain(3, 1000);
  Plan p = Plan::keep_all(tr, "test");
  p.tensors[tr.tensor_id("l0.out")] = {Action::kRecompute, false, -1, -1, -1};
  p.tensors[tr.tensor_id("l1.out")] = {Action::kSwap, false, -1, -1, -1};
  const json j = plan_to_json(tr, p);
  EXPECT_TRUE(j["tensors"][0]["remat_at"].is_null());
  const Plan back = plan_from_json(tr, j);
  EXPECT_EQ(back.tensors[tr.tensor_id("l0.out")].remat_at, -1);
  EXPECT_EQ(back.tensors[tr.tensor_id("l1.out")].free_at, -1);
  EXPECT_EQ(plan_to_json(tr, back), j);
}

TEST(MemplanJson, PlanMembersOfTheWrongTypeAreRefusedByName) {
  const Trace tr = testing::chain(3, 1000);
  const json ok = {{"format", "hycim-memplan-plan"}, {"version", 1}};
  json j = ok;
  j["tensors"] = {3};
  EXPECT_EQ(error_of_plan(tr, j), "plan: tensor entry #0 is not an object");
  j = ok;
  j["tensors"] = {{{"name", "l0.out"}, {"action", "swap"}, {"compressed", "yes"}}};
  EXPECT_EQ(error_of_plan(tr, j), "plan: tensor 'l0.out' \"compressed\" is not true or false");
  j = ok;
  j["tensors"] = {{{"name", 5}}};
  EXPECT_EQ(error_of_plan(tr, j), "plan: tensor entry #0 \"name\" is not a string");
  j = ok;
  j["planner"] = 1;
  EXPECT_EQ(error_of_plan(tr, j), "plan: document \"planner\" is not a string");
  j = ok;
  j["offloaded"] = "l0";
  EXPECT_EQ(error_of_plan(tr, j), "plan: document \"offloaded\" is not a list");
  j = ok;
  j["format"] = 7;
  EXPECT_EQ(error_of_plan(tr, j), "plan: not a hycim-memplan-plan document");
}

// A plan entry given twice would have the first silently overwritten.
TEST(MemplanJson, PlanListingATensorOrOpTwiceIsRefused) {
  const Trace tr = testing::chain(3, 1000);
  json j = {{"format", "hycim-memplan-plan"}, {"version", 1}};
  j["tensors"] = {{{"name", "l0.out"}, {"action", "recompute"}, {"remat_at", "l2"}},
                  {{"name", "l1.out"}, {"action", "keep"}},
                  {{"name", "l0.out"}, {"action", "swap"}}};
  EXPECT_EQ(error_of_plan(tr, j), "plan: tensor 'l0.out' appears twice (tensor entry #0 and #2)");
  j.erase("tensors");
  j["offloaded"] = {"l1", "l0", "l1"};
  EXPECT_EQ(error_of_plan(tr, j),
            "plan: offloaded op \"l1\" appears twice (offloaded entry #0 and #2)");
  j["offloaded"] = {"l1", "l0"};
  EXPECT_EQ(error_of_plan(tr, j), "");
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
