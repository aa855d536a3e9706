// The graph passes: what each removes or folds, that the folded graph gives
// the results of the original, and the refusals they leave in place.
#include "runtime/onnx/graph_passes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/test_models.hpp"

namespace hycim::runtime {
namespace {

using ::testing::HasSubstr;
using namespace testing;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name))
      .string();
}

Node node(size_t index, const std::string& op, std::vector<std::string> in,
          std::vector<std::string> out) {
  return Node{index, op + std::to_string(index), op, "", std::move(in), std::move(out), {}};
}

std::vector<std::string> ops_of(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

Tensor floats(Shape s, std::vector<float> v) {
  return Tensor(std::move(s), std::move(v));
}

TEST(GraphPasses, IdentityAndInferenceDropoutAreRemovedAndTheirReadersRewired) {
  Graph g;
  g.source = "m";
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {1, 2}}};
  g.outputs = {{"y", DType::kFloat, {1, 2}}};
  g.nodes = {node(0, "Identity", {"x"}, {"a"}), node(1, "Dropout", {"a"}, {"b"}),
             node(2, "Relu", {"b"}, {"y"})};
  EXPECT_EQ(remove_identities(g), 2);
  EXPECT_EQ(ops_of(g), std::vector<std::string>{"Relu"});
  EXPECT_EQ(g.nodes[0].inputs, std::vector<std::string>{"x"});
}

TEST(GraphPasses, AnIdentityThatIsAGraphOutputStays) {
  Graph g;
  g.inputs = {{"x", DType::kFloat, {2}}};
  g.outputs = {{"y", DType::kFloat, {2}}};
  g.nodes = {node(0, "Identity", {"x"}, {"y"})};
  EXPECT_EQ(remove_identities(g), 0);
  EXPECT_EQ(g.nodes.size(), 1u);
}

TEST(GraphPasses, ConstantNodesBecomeInitializersSoTheirWeightsAreWeights) {
  Graph g;
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {1, 2}}};
  g.outputs = {{"y", DType::kFloat, {1, 2}}};
  Node c = node(0, "Constant", {}, {"W"});
  c.attrs["value"].t = std::make_shared<Tensor>(floats({2, 2}, {1, 2, 3, 4}));
  Node t = node(1, "Transpose", {"W"}, {"Wt"});
  g.nodes = {c, t, node(2, "MatMul", {"x", "Wt"}, {"y"})};
  EXPECT_EQ(fold_constants(g), 2);
  EXPECT_EQ(ops_of(g), std::vector<std::string>{"MatMul"});
  EXPECT_EQ(g.initializers.at("Wt"), floats({2, 2}, {1, 3, 2, 4}));
}

TEST(GraphPasses, DequantizeAndDeviceOperatorsAreNotFolded) {
  Graph g;
  g.opset = 13;
  g.outputs = {{"y", DType::kFloat, {2, 2}}};
  g.initializers["q"] = Tensor(Shape{2, 2}, std::vector<int8_t>{1, 2, 3, 4});
  g.initializers["s"] = floats({}, {0.5f});
  g.initializers["a"] = floats({2, 2}, {1, 0, 0, 1});
  g.nodes = {node(0, "DequantizeLinear", {"q", "s"}, {"w"}), node(1, "MatMul", {"a", "w"}, {"y"})};
  EXPECT_EQ(fold_constants(g), 0);
  EXPECT_EQ(g.nodes.size(), 2u);
}

// A float weight through QuantizeLinear (PyTorch's export of a fake-quantized
// weight) folds into the 8-bit initializer, rounded half to even and
// saturated as QuantizeLinear does; the DequantizeLinear after it stays.
TEST(GraphPasses, QuantizeLinearOfAWeightFoldsToItsIntegers) {
  Graph g;
  g.opset = 13;
  g.outputs = {{"y", DType::kFloat, {2, 3}}};
  g.initializers["wf"] = floats({3}, {1.25f, -0.75f, 100.0f});
  g.initializers["s"] = floats({}, {0.5f});
  g.initializers["z"] = Tensor(Shape{}, std::vector<int8_t>{1});
  g.nodes = {node(0, "QuantizeLinear", {"wf", "s", "z"}, {"wq"}),
             node(1, "DequantizeLinear", {"wq", "s", "z"}, {"w"}),
             node(2, "Mul", {"x", "w"}, {"y"})};
  EXPECT_EQ(fold_constants(g), 1);
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].op_type, "DequantizeLinear");
  ASSERT_TRUE(g.initializers.count("wq"));
  const Tensor& q = g.initializers.at("wq");
  EXPECT_EQ(q.dtype(), DType::kInt8);
  // 2.5 -> 2 (+1), -1.5 -> -2 (+1), 200 saturates at 127.
  EXPECT_EQ(q.values<int8_t>(), (std::vector<int8_t>{3, -1, 127}));
}

// x (1x3 static) -> Shape -> Gather(1) -> Unsqueeze -> Concat([1, n]) -> Reshape(x):
// everything but the Reshape depends only on the static shape.
// Shape of a value declared far larger than any tensor may be folds from its
// dimensions alone: it used to run Shape's kernel on a tensor of them (10^10
// elements here), which a few bytes of model asked for (found by
// onnx_model_fuzz).
TEST(GraphPasses, ShapeOfAHugeStaticValueFoldsWithoutMakingIt) {
  Graph g;
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {100000, 100000}}};
  g.values["x"] = g.inputs[0];
  g.outputs = {{"n", DType::kInt64, {}}};
  g.initializers.emplace("zero", Tensor(Shape{}, std::vector<int64_t>{0}));
  g.nodes = {node(0, "Shape", {"x"}, {"s"}), node(1, "Gather", {"s", "zero"}, {"n"})};
  EXPECT_EQ(fold_constants(g), 1);
  ASSERT_TRUE(g.initializers.count("s"));
  EXPECT_EQ(g.initializers.at("s"), Tensor(Shape{2}, std::vector<int64_t>{100000, 100000}));
}

TEST(GraphPasses, StaticShapeSubgraphsFoldToOneInitializer) {
  auto m = new_model(13);
  auto* pg = m.mutable_graph();
  add_input(pg, "x", onnx::TensorProto::FLOAT, {2, 3});
  auto* idx = pg->add_initializer();
  idx->set_name("one");
  idx->set_data_type(onnx::TensorProto::INT64);
  idx->add_int64_data(1);
  auto* axes = pg->add_initializer();
  axes->set_name("axes0");
  axes->set_data_type(onnx::TensorProto::INT64);
  axes->add_dims(1);
  axes->add_int64_data(0);
  auto* lead = pg->add_initializer();
  lead->set_name("lead");
  lead->set_data_type(onnx::TensorProto::INT64);
  lead->add_dims(1);
  lead->add_int64_data(-1);
  add_node(pg, "Shape", {"x"}, {"s"});
  add_node(pg, "Gather", {"s", "one"}, {"n"});
  add_node(pg, "Unsqueeze", {"n", "axes0"}, {"n1"});
  add_node(pg, "Concat", {"lead", "n1"}, {"shape"})->add_attribute()->set_name("axis");
  pg->mutable_node(3)->mutable_attribute(0)->set_type(onnx::AttributeProto::INT);
  pg->mutable_node(3)->mutable_attribute(0)->set_i(0);
  add_node(pg, "Reshape", {"x", "shape"}, {"y"});
  add_input(pg, "y", onnx::TensorProto::FLOAT, {2, 3}, true);
  const std::string p = save(m, temp_path("shape_fold.onnx"));
  Graph g = load_model(p);
  const PassSummary s = optimize_graph(g);
  EXPECT_EQ(s.constants, 4);
  EXPECT_EQ(ops_of(g), std::vector<std::string>{"Reshape"});
  EXPECT_EQ(g.initializers.at("shape"), Tensor(Shape{2}, std::vector<int64_t>{-1, 3}));
  // Initializers nothing reads any more are gone.
  EXPECT_EQ(g.initializers.size(), 1u);
  Session session(load_model(p), make_cpu_backend());
  const Tensor x = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(session.run({{"x", x}}).at("y"), x);
  std::filesystem::remove(p);
}

// Conv 1x1 (2 -> 2 channels, bias) then BatchNormalization: folded, the Conv
// gives s (W x + b - mean) + shift itself.
Graph conv_bn(bool conv_output_is_read_elsewhere) {
  Graph g;
  g.source = "conv_bn";
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {1, 2, 1, 2}}};
  g.outputs = {{"y", DType::kFloat, {1, 2, 1, 2}}};
  g.initializers["W"] = floats({2, 2, 1, 1}, {1, 2, -1, 0.5f});
  g.initializers["b"] = floats({2}, {0.25f, -1});
  g.initializers["scale"] = floats({2}, {2, 0.5f});
  g.initializers["shift"] = floats({2}, {1, -2});
  g.initializers["mean"] = floats({2}, {0.5f, 1});
  g.initializers["var"] = floats({2}, {3.99999f, 0.24999f});
  Node bn = node(1, "BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"});
  bn.attrs["epsilon"].f = 1e-5f;
  g.nodes = {node(0, "Conv", {"x", "W", "b"}, {"c"}), bn};
  if (conv_output_is_read_elsewhere) {
    g.outputs.push_back({"c2", DType::kFloat, {1, 2, 1, 2}});
    g.nodes.push_back(node(2, "Relu", {"c"}, {"c2"}));
  }
  return g;
}

TEST(GraphPasses, BatchNormalizationFoldsIntoTheConvBeforeIt) {
  Graph g = conv_bn(false);
  EXPECT_EQ(fold_batch_norms(g), 1);
  ASSERT_EQ(ops_of(g), std::vector<std::string>{"Conv"});
  EXPECT_EQ(g.nodes[0].outputs[0], "y");
  // s = scale / sqrt(var + eps) = {1, 1}.
  const auto& w = g.initializers.at(g.nodes[0].inputs[1]).values<float>();
  const auto& b = g.initializers.at(g.nodes[0].inputs[2]).values<float>();
  EXPECT_NEAR(w[0], 1, 1e-6);
  EXPECT_NEAR(w[3], 0.5, 1e-6);
  EXPECT_NEAR(b[0], (0.25 - 0.5) * 1 + 1, 1e-6);
  EXPECT_NEAR(b[1], (-1 - 1) * 1 - 2, 1e-6);
  // The original weights are not changed in place (another node may read them).
  EXPECT_EQ(g.initializers.at("W"), floats({2, 2, 1, 1}, {1, 2, -1, 0.5f}));
}

TEST(GraphPasses, FoldedAndUnfoldedBatchNormGiveTheSameResults) {
  const Tensor x = floats({1, 2, 1, 2}, {0.5f, -1, 2, 3});
  Session folded(conv_bn(false), make_cpu_backend());
  Session kept(conv_bn(true), make_cpu_backend());  // Conv output read twice: not folded
  EXPECT_EQ(folded.passes().batch_norms, 1);
  EXPECT_EQ(kept.passes().batch_norms, 0);
  const Tensor a = folded.run({{"x", x}}).at("y"), b = kept.run({{"x", x}}).at("y");
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.as_double(i), b.as_double(i), 1e-5);
}

TEST(GraphPasses, BatchNormalizationAfterGemmFoldsIntoItsColumns) {
  Graph g;
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {1, 2}}};
  g.outputs = {{"y", DType::kFloat, {1, 2}}};
  g.initializers["B"] = floats({2, 2}, {1, 2, 3, 4});  // transB = 0: column n is channel n
  g.initializers["C"] = floats({2}, {1, 1});
  for (const char* p : {"scale", "shift", "mean"}) g.initializers[p] = floats({2}, {2, 3});
  g.initializers["var"] = floats({2}, {1, 1});
  Node gemm = node(0, "Gemm", {"x", "B", "C"}, {"h"});
  gemm.attrs["beta"].f = 2;
  g.nodes = {gemm, node(1, "BatchNormalization", {"h", "scale", "shift", "mean", "var"}, {"y"})};
  const Tensor x = floats({1, 2}, {1, -1});
  Session reference(g, make_cpu_backend());  // folded too; check it against the formula
  const Tensor y = reference.run({{"x", x}}).at("y");
  // h = x B + 2 C = {-2 + 2, -2 + 2} = {0, 0}; y = s (h - mean) + shift, s = scale / sqrt(1 + eps).
  const double s0 = 2 / std::sqrt(1 + 1e-5), s1 = 3 / std::sqrt(1 + 1e-5);
  EXPECT_NEAR(y.as_double(0), s0 * (0 - 2) + 2, 1e-5);
  EXPECT_NEAR(y.as_double(1), s1 * (0 - 3) + 3, 1e-5);
  EXPECT_EQ(reference.passes().batch_norms, 1);
}

TEST(GraphPasses, DeadNodesAndTheirInitializersGo) {
  Graph g;
  g.inputs = {{"x", DType::kFloat, {2}}};
  g.outputs = {{"y", DType::kFloat, {2}}};
  g.initializers["unused"] = floats({1}, {1});
  g.nodes = {node(0, "Relu", {"x"}, {"y"}), node(1, "Add", {"x", "unused"}, {"z"})};
  EXPECT_EQ(remove_dead_nodes(g), 1);
  EXPECT_TRUE(g.initializers.empty());
}

TEST(GraphPasses, DumpShowsWhereEachNodeRunsAndWhatThePassesDid) {
  Graph g = conv_bn(false);
  g.nodes.push_back(node(2, "Relu", {"y"}, {"r"}));
  g.outputs = {{"r", DType::kFloat, {1, 2, 1, 2}}};
  const PassSummary s = optimize_graph(g);
  const std::string d = dump_graph(g, s);
  EXPECT_THAT(d, HasSubstr("conv_bn (opset 13): 2 nodes"));
  EXPECT_THAT(d, HasSubstr("device node 0 'Conv0' (Conv): x, W/bn_folded(const)"));
  EXPECT_THAT(d, HasSubstr("host   node 2 'Relu2' (Relu): y -> r"));
  EXPECT_THAT(d, HasSubstr("1 batch norms folded"));
}

}  // namespace
}  // namespace hycim::runtime
