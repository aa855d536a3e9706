// Bad models and bad inputs give errors that name the file, node or tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/test_models.hpp"

namespace hycim::runtime {
namespace {

using ::testing::HasSubstr;
using namespace testing;

class BadInput : public ::testing::Test {
 protected:
  std::string path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name))
        .string();
  }
  // y = relu(x . W), x float [1,4], W 4x3.
  onnx::ModelProto small_model() {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_input(g, "x", onnx::TensorProto::FLOAT, {1, 4});
    add_float_init(g, "W", {4, 3}, std::vector<float>(12, 0.5f));
    add_node(g, "MatMul", {"x", "W"}, {"h"});
    add_node(g, "Relu", {"h"}, {"y"});
    add_input(g, "y", onnx::TensorProto::FLOAT, {1, 3}, true);
    return m;
  }
  template <typename F>
  std::string error_of(F&& f) {
    try {
      f();
    } catch (const RuntimeError& e) {
      return e.what();
    }
    return "no error";
  }
};

TEST_F(BadInput, MissingFileIsNamed) {
  EXPECT_THAT(error_of([] { load_model("/nonexistent/model.onnx"); }),
              HasSubstr("/nonexistent/model.onnx: cannot open"));
}

TEST_F(BadInput, TruncatedModelIsRefused) {
  std::string bytes;
  small_model().SerializeToString(&bytes);
  const std::string p = path("truncated.onnx");
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  EXPECT_THAT(error_of([&] { load_model(p); }), HasSubstr("truncated"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, CheckerFailureIsReported) {
  auto m = small_model();
  m.mutable_graph()->mutable_node(0)->set_input(1, "undefined_tensor");
  const std::string p = save(m, path("unchecked.onnx"));
  EXPECT_THAT(error_of([&] { load_model(p); }), HasSubstr("ONNX checker"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, UnsupportedOperatorNamesTheNode) {
  auto m = small_model();
  m.mutable_graph()->mutable_node(1)->set_op_type("LpNormalization");
  const std::string p = save(m, path("lpnorm.onnx"));
  const Graph g = load_model(p);
  const std::string e = error_of([&] { Session s(g, SessionOptions{}); });
  EXPECT_THAT(e, HasSubstr("(opset 13): 1 node cannot run: node 1 'Relu2' (LpNormalization): "
                           "operator LpNormalization is not supported by hycim (supported: Abs,"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, EveryUnsupportedOperatorIsListedAtOnce) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {1, 4});
  add_node(g, "LpNormalization", {"x"}, {"h"});
  add_node(g, "Relu", {"h"}, {"r"});
  add_node(g, "MeanVarianceNormalization", {"r"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {1, 4}, true);
  const std::string p = save(m, path("two_unsupported.onnx"));
  const std::string e = error_of([&] { Session s(load_model(p), SessionOptions{}); });
  EXPECT_THAT(e, HasSubstr("2 nodes cannot run: node 0 'LpNormalization1' (LpNormalization): "
                           "operator LpNormalization is not supported by hycim; node 2 "
                           "'MeanVarianceNormalization3' (MeanVarianceNormalization): operator "
                           "MeanVarianceNormalization is not supported by hycim"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, WrongInputShapeOrTypeIsNamed) {
  const std::string p = save(small_model(), path("shape.onnx"));
  Session s(load_model(p), SessionOptions{});
  EXPECT_THAT(error_of([&] {
                s.run({{"x", Tensor(DType::kFloat, {1, 5})}});
              }),
              HasSubstr("input 'x': expected float [1,4], got float [1,5]"));
  EXPECT_THAT(error_of([&] {
                s.run({{"x", Tensor(DType::kUint8, {1, 4})}});
              }),
              HasSubstr("input 'x': expected float [1,4], got uint8 [1,4]"));
  EXPECT_THAT(error_of([&] { s.run({}); }), HasSubstr("missing input 'x'"));
  EXPECT_THAT(error_of([&] {
                s.run({{"x", Tensor(DType::kFloat, {1, 4})}, {"z", Tensor()}});
              }),
              HasSubstr("'z' is not an input"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, KernelErrorsNameTheNode) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {1, 1, 4});
  add_float_init(g, "W", {1, 1, 1, 1, 1}, {1.0f});
  add_node(g, "Conv", {"x", "W"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {}, true);
  g->mutable_output(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  const std::string p = save(m, path("conv5d.onnx"));
  std::string e = error_of([&] {
    Session s(load_model(p), SessionOptions{});
    s.run({{"x", Tensor(DType::kFloat, {1, 1, 4})}});
  });
  EXPECT_THAT(
      e, ::testing::AnyOf(HasSubstr("(Conv): only 2-D convolutions"), HasSubstr("ONNX checker")));
  std::filesystem::remove(p);
}

TEST_F(BadInput, NpyRoundTripAndCorruptFile) {
  const std::string p = path("t.npy");
  const Tensor t(Shape{2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  write_npy(p, t);
  EXPECT_EQ(read_npy(p), t);
  std::filesystem::resize_file(p, std::filesystem::file_size(p) - 4);
  EXPECT_THAT(error_of([&] { read_npy(p); }), HasSubstr("data bytes for shape [2,3]"));
  std::filesystem::remove(p);
}

TEST_F(BadInput, UnknownBackendAndTileKind) {
  SessionOptions o;
  o.backend = "gpu";
  EXPECT_THAT(error_of([&] { make_backend(o); }), HasSubstr("backend 'gpu'"));
  o.backend = "tiles";
  o.device = "pcie://0000:01:00.0";
  EXPECT_THAT(error_of([&] { make_backend(o); }), HasSubstr("pcie"));
  o.device = "sim://?tiles=two";
  EXPECT_THAT(error_of([&] { make_backend(o); }), HasSubstr("tiles"));
}

}  // namespace
}  // namespace hycim::runtime
