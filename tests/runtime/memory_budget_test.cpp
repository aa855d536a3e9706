// A run's memory budget (SessionOptions::max_memory): a node whose output
// would take the run past it is refused naming the node, the tensor and the
// bytes; values no later node reads are freed as the run goes; and a graph
// ten thousand nodes deep loads and runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/test_models.hpp"

namespace hycim::runtime {
namespace {

using ::testing::HasSubstr;
using namespace testing;

constexpr uint64_t kMiB = uint64_t{1} << 20;

class MemoryBudget : public ::testing::Test {
 protected:
  static SessionOptions cpu(uint64_t max_memory) {
    SessionOptions o;
    o.backend = "cpu";
    o.max_memory = max_memory;
    return o;
  }
  std::string path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name))
        .string();
  }
  // The model saved and loaded again, as a user's file would be.
  Graph loaded(const onnx::ModelProto& m, const std::string& name) {
    const std::string p = save(m, path(name));
    Graph g = load_model(p);
    std::filesystem::remove(p);
    return g;
  }
  static void int64s(onnx::GraphProto* g, const std::string& name, std::vector<int64_t> v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  }
  // y = relu(op(x, [1024, 1024])): a 4 MiB float intermediate from a 4-byte input.
  onnx::ModelProto growing(const std::string& op) {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_input(g, "x", onnx::TensorProto::FLOAT, {1, 1});
    int64s(g, "reps", {1024, 1024});
    add_node(g, op, {"x", "reps"}, {"big"})->set_name("grow");
    add_node(g, "Relu", {"big"}, {"y"});
    add_input(g, "y", onnx::TensorProto::FLOAT, {1024, 1024}, true);
    return m;
  }
  template <typename F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const RuntimeError& e) {
      return e.what();
    }
    return "no error";
  }
};

TEST_F(MemoryBudget, DefaultIsHalfThePhysicalMemory) {
  const uint64_t phys = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                        static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_EQ(default_max_memory(), phys / 2);
  Session s(loaded(growing("Expand"), "default.onnx"), cpu(0));
  EXPECT_EQ(s.max_memory(), phys / 2);
}

TEST_F(MemoryBudget, AnOutputBeyondTheBudgetIsRefusedNamingNodeTensorAndBytes) {
  for (const std::string op : {"Expand", "Tile"}) {
    SCOPED_TRACE(op);
    const Graph g = loaded(growing(op), op + ".onnx");
    const TensorMap in{{"x", Tensor(Shape{1, 1}, std::vector<float>{2})}};
    Session small(g, cpu(kMiB));
    const std::string e = error_of([&] { small.run(in); });
    EXPECT_THAT(e, HasSubstr("'grow' (" + op + "): output 'big' needs 4.0 MiB with "));
    EXPECT_THAT(e, HasSubstr("live; the run's memory budget is 1.0 MiB (--max-memory)"));
    // Within a larger budget the same model runs.
    Session large(g, cpu(64 * kMiB));
    const TensorMap out = large.run(in);
    ASSERT_EQ(out.at("y").size(), 1024 * 1024);
    EXPECT_EQ(out.at("y").values<float>()[12345], 2.0f);
    EXPECT_GE(large.peak_memory(), 8 * kMiB);  // big and y, both 4 MiB, at once
  }
}

TEST_F(MemoryBudget, AConstantTooLargeToFoldIsRefusedWhenItRuns) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {1});
  int64s(g, "shape", {512, 1024});
  add_node(g, "ConstantOfShape", {"shape"}, {"c"})->set_name("fill");
  add_node(g, "Add", {"c", "x"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {512, 1024}, true);
  const Graph graph = loaded(m, "cos.onnx");
  // Folding it at load would take 2 MiB of initializers: it is left to run.
  Session s(graph, cpu(kMiB));
  EXPECT_THAT(error_of([&] {
                s.run({{"x", Tensor(DType::kFloat, {1})}});
              }),
              HasSubstr("'fill' (ConstantOfShape): output 'c' needs 2.0 MiB"));
  Session large(graph, cpu(16 * kMiB));
  EXPECT_EQ(large.run({{"x", Tensor(DType::kFloat, {1})}}).at("y").size(), 512 * 1024);
}

TEST_F(MemoryBudget, InputsBeyondTheBudgetAreRefused) {
  // 16 bytes of initializers (the repeats) fit; with the 4-byte input they do not.
  const Graph g = loaded(growing("Expand"), "inputs.onnx");
  Session s(g, cpu(18));
  EXPECT_THAT(error_of([&] {
                s.run({{"x", Tensor(Shape{1, 1}, std::vector<float>{1})}});
              }),
              HasSubstr("the inputs (4 B) and initializers (16 B) exceed the run's memory budget "
                        "of 18 B (--max-memory)"));
  EXPECT_THAT(error_of([&] { Session t(g, cpu(8)); }),
              HasSubstr("the model's initializers take 16 B, more than the memory budget of 8 B"));
}

// Each refusal ends naming the caller's knob: the CLI's flag by default, and
// whatever SessionOptions::budget_hint says otherwise (the Python binding's
// keyword), never the other one.
TEST_F(MemoryBudget, EveryRefusalNamesTheCallersKnob) {
  const Graph g = loaded(growing("Expand"), "hint.onnx");
  const TensorMap in{{"x", Tensor(Shape{1, 1}, std::vector<float>{1})}};
  for (const std::string hint : {"--max-memory", "max_memory="}) {
    SCOPED_TRACE(hint);
    auto budget = [&](uint64_t bytes) {
      SessionOptions o = cpu(bytes);
      if (hint != kCliBudgetHint) o.budget_hint = hint;
      return o;
    };
    const std::vector<std::string> refusals = {
        error_of([&] { Session s(g, budget(8)); }),
        error_of([&] { Session(g, budget(18)).run(in); }),
        error_of([&] { Session(g, budget(18)).run_many({in}, 1); }),
        error_of([&] { Session(g, budget(kMiB)).run(in); }),
    };
    EXPECT_THAT(refusals[0], HasSubstr("the model's initializers take 16 B"));
    EXPECT_THAT(refusals[1], HasSubstr("the inputs (4 B) and initializers (16 B) exceed"));
    EXPECT_THAT(refusals[2], HasSubstr("request 0's inputs (4 B) exceed"));
    EXPECT_THAT(refusals[3], HasSubstr("output 'big' needs 4.0 MiB"));
    const std::string other = hint == kCliBudgetHint ? "max_memory=" : "--max-memory";
    for (const auto& e : refusals) {
      EXPECT_THAT(e, ::testing::EndsWith("(" + hint + ")"));
      EXPECT_THAT(e, ::testing::Not(HasSubstr(other)));
    }
  }
}

// Ten Relus on a 256 KiB value: 2.75 MiB of values in all, but no more than
// two at a time once each is freed after the node that reads it.
TEST_F(MemoryBudget, FreedIntermediatesFitABudgetSmallerThanAllValues) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {256, 256});
  std::string prev = "x";
  for (int i = 0; i < 10; ++i) {
    const std::string next = i == 9 ? "y" : "h" + std::to_string(i);
    add_node(g, "Relu", {prev}, {next});
    prev = next;
  }
  add_input(g, "y", onnx::TensorProto::FLOAT, {256, 256}, true);
  Session s(loaded(m, "chain.onnx"), cpu(kMiB));
  Tensor x(DType::kFloat, {256, 256});
  x.values<float>()[7] = 3;
  const TensorMap out = s.run({{"x", x}});
  EXPECT_EQ(out.at("y").values<float>()[7], 3.0f);
  EXPECT_LE(s.peak_memory(), 2 * 256 * 1024u);
}

// No step from loading to running recurses per node: checker, shape
// inference, graph passes, liveness and the run all walk a 10,000-node chain
// on the default stack.
TEST_F(MemoryBudget, AGraphTenThousandNodesDeepLoadsAndRuns) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {1, 4});
  add_float_init(g, "one", {1}, {1.0f});
  std::string prev = "x";
  constexpr int kDepth = 10000;
  for (int i = 0; i < kDepth; ++i) {
    const std::string next = i == kDepth - 1 ? "y" : "v" + std::to_string(i);
    add_node(g, i % 2 ? "Relu" : "Add",
             i % 2 ? std::vector<std::string>{prev} : std::vector<std::string>{prev, "one"},
             {next});
    prev = next;
  }
  add_input(g, "y", onnx::TensorProto::FLOAT, {1, 4}, true);
  Session s(loaded(m, "deep.onnx"), cpu(0));
  EXPECT_EQ(s.graph().nodes.size(), static_cast<size_t>(kDepth));
  const TensorMap out = s.run({{"x", Tensor(Shape{1, 4}, std::vector<float>{-1, 0, 1, 2})}});
  EXPECT_EQ(out.at("y").values<float>(), (std::vector<float>{4999, 5000, 5001, 5002}));
}

}  // namespace
}  // namespace hycim::runtime
