// A QDQ model (QuantizeLinear -> DequantizeLinear -> MatMul with a
// DequantizeLinear'd int8 weight) runs as it is on the tiles: one integer
// product of the quantized operands, equal to the float reference on the CPU
// executor up to float rounding, with no quantization error bound.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/test_models.hpp"

namespace hycim::runtime {
namespace {

using namespace testing;

onnx::TensorProto* add_init(onnx::GraphProto* g, const std::string& name, int type,
                            std::vector<int64_t> dims, std::vector<int32_t> ints,
                            std::vector<float> floats = {}) {
  auto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  for (int32_t v : ints) t->add_int32_data(v);
  for (float v : floats) t->add_float_data(v);
  return t;
}

std::string qdq_model(const std::string& path) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {2, 4});
  add_init(g, "sx", onnx::TensorProto::FLOAT, {}, {}, {0.05f});
  add_init(g, "zx", onnx::TensorProto::UINT8, {}, {128});
  add_init(g, "wq", onnx::TensorProto::INT8, {4, 3}, {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12});
  add_init(g, "sw", onnx::TensorProto::FLOAT, {3}, {}, {0.1f, 0.02f, 0.5f});
  add_node(g, "QuantizeLinear", {"x", "sx", "zx"}, {"xq"});
  add_node(g, "DequantizeLinear", {"xq", "sx", "zx"}, {"xd"});
  add_node(g, "DequantizeLinear", {"wq", "sw"}, {"wd"});
  add_node(g, "MatMul", {"xd", "wd"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {2, 3}, true);
  return save(m, path);
}

TEST(Qdq, MatMulRunsAsAnIntegerProductOnTheTiles) {
  const std::string p = ::testing::TempDir() + "qdq_matmul.onnx";
  const Graph g = load_model(qdq_model(p));
  const Tensor x(Shape{2, 4},
                 std::vector<float>{0.1f, -0.7f, 2.3f, 1.0f, -3.0f, 0.33f, 0.0f, 5.0f});
  Session cpu(g, make_cpu_backend()), tiles(g, SessionOptions{});
  const Tensor want = cpu.run({{"x", x}}).at("y"), got = tiles.run({{"x", x}}).at("y");
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got.as_double(i), want.as_double(i), 1e-5 * (1 + std::fabs(want.as_double(i))));
  EXPECT_EQ(tiles.error_bounds().count("y"), 0u);  // exact, not re-quantized
  EXPECT_GT(tiles.last_stats().cycles, 0u);
  std::filesystem::remove(p);
}

TEST(Qdq, InternalOperatorNamesAreNotAcceptedFromModels) {
  Graph graph;
  graph.source = "m";
  graph.nodes.push_back(Node{0, "n", "hycim.QdqMatMul", "", {"x"}, {"y"}, {}});
  EXPECT_THROW(Session(graph, make_cpu_backend()), RuntimeError);
}

}  // namespace
}  // namespace hycim::runtime
