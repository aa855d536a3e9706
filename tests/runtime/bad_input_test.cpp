// Bad models and bad inputs give errors that name the file, node or tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  static SessionOptions cpu_options() {
    SessionOptions o;
    o.backend = "cpu";
    return o;
  }
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

// A few bytes of model asking for a tensor far larger than its inputs: the
// runtime refuses it, naming the node and the size, before allocating it
// (found by onnx_model_fuzz: ConstantOfShape, Expand and Range).
TEST_F(BadInput, HugeComputedShapesAreRefusedNamingNodeAndSize) {
  auto int64s = [](onnx::GraphProto* g, const std::string& name, std::vector<int64_t> v,
                   bool scalar = false) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    if (!scalar) t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
  };
  auto run = [&](const onnx::ModelProto& m, const std::string& name) {
    const std::string p = save(m, path(name));
    std::string e = error_of([&] {
      Session s(load_model(p), cpu_options());
      s.run({{"x", Tensor(DType::kFloat, {1})}});
    });
    std::filesystem::remove(p);
    return e;
  };
  {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_input(g, "x", onnx::TensorProto::FLOAT, {1});
    int64s(g, "shape", {1 << 20, 1 << 20});
    add_node(g, "ConstantOfShape", {"shape"}, {"c"});
    add_node(g, "Add", {"c", "x"}, {"y"});
    add_input(g, "y", onnx::TensorProto::FLOAT, {1 << 20, 1 << 20}, true);
    EXPECT_THAT(
        run(m, "huge_cos.onnx"),
        HasSubstr("node 0 'ConstantOfShape1' (ConstantOfShape): shape [1048576,1048576] "
                  "has 1099511627776 elements, more than the 268435456 one tensor may have"));
  }
  {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_input(g, "x", onnx::TensorProto::FLOAT, {1});
    int64s(g, "shape", {1 << 17, 1 << 17});
    add_node(g, "Expand", {"x", "shape"}, {"y"});
    add_input(g, "y", onnx::TensorProto::FLOAT, {1 << 17, 1 << 17}, true);
    EXPECT_THAT(run(m, "huge_expand.onnx"),
                HasSubstr("(Expand): shape [131072,131072] has 17179869184 elements"));
  }
  {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_input(g, "x", onnx::TensorProto::FLOAT, {1});
    int64s(g, "start", {0}, true);
    int64s(g, "limit", {int64_t{1} << 40}, true);
    int64s(g, "delta", {1}, true);
    add_node(g, "Range", {"start", "limit", "delta"}, {"r"});
    add_node(g, "Shape", {"r"}, {"y"});
    add_input(g, "y", onnx::TensorProto::INT64, {1}, true);
    EXPECT_THAT(
        run(m, "huge_range.onnx"),
        HasSubstr("(Range): Range from 0 to 1099511627776 by 1 has 1099511627776 elements"));
  }
}

// An initializer whose dimensions ask for far more values than it holds is
// refused by its data's size before the values are allocated (found by
// onnx_model_fuzz), and one beyond the size limit by its shape.
TEST_F(BadInput, InitializerDimsBeyondItsDataAreRefusedBeforeAllocating) {
  for (const std::vector<int64_t>& dims :
       {std::vector<int64_t>{1 << 14, 1 << 13}, std::vector<int64_t>{1 << 20, 1 << 20}}) {
    auto m = new_model();
    auto* g = m.mutable_graph();
    add_float_init(g, "w", dims, {1.0f, 2.0f});
    add_node(g, "Relu", {"w"}, {"y"});
    add_input(g, "y", onnx::TensorProto::FLOAT, dims, true);
    const std::string p = save(m, path("short_init.onnx"));
    const std::string e = error_of([&] { load_model(p); });
    if (dims[0] == 1 << 14)
      EXPECT_THAT(e, HasSubstr("initializer 'w': 2 values, shape needs 134217728")) << e;
    else
      EXPECT_THAT(e, HasSubstr("initializer 'w': shape [1048576,1048576] has 1099511627776 "
                               "elements, more than the"))
          << e;
    std::filesystem::remove(p);
  }
}

// Calibrated ranges in the model's metadata that quantization cannot use
// (1e300 reads as an infinite float; lo above hi) are refused by name (found
// by onnx_model_fuzz).
TEST_F(BadInput, UnusableMetadataRangesAreRefused) {
  for (const std::string& text :
       {std::string(R"({"x": [1e300, 2]})"), std::string(R"({"x": [3, 2]})")}) {
    auto m = small_model();
    auto* kv = m.add_metadata_props();
    kv->set_key("hycim.ranges");
    kv->set_value(text);
    const std::string p = save(m, path("ranges.onnx"));
    EXPECT_THAT(error_of([&] { Session s(load_model(p), cpu_options()); }),
                HasSubstr("metadata hycim.ranges is not valid: 'x' has range ["))
        << text;
    std::filesystem::remove(p);
  }
}

// A convolution whose weight's rank differs from its input's made ONNX's
// shape inference (libonnx 1.12) read out of bounds and crash the process;
// it is refused naming the node before inference runs (found by
// onnx_model_fuzz).
TEST_F(BadInput, ConvolutionWeightOfAnotherRankIsRefusedBeforeShapeInference) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {1, 1, 5, 5});
  add_float_init(g, "w", {2, 1, 3, 3, 1, 1}, std::vector<float>(18, 0.5f));
  add_node(g, "Conv", {"x", "w"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {1, 2, 3, 3}, true);
  const std::string p = save(m, path("conv_rank.onnx"));
  EXPECT_THAT(error_of([&] { load_model(p); }),
              HasSubstr("node 0 'Conv1' (Conv): weight 'w' has rank 6, its input 'x' rank 4"));
  std::filesystem::remove(p);
}

// Reshape's target is the model's data: one whose product overflows int64
// (undefined behaviour before) is refused naming the node (found by
// onnx_model_fuzz).
TEST_F(BadInput, ReshapeToAShapeWhoseProductOverflowsIsRefused) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {2, 3});
  auto* t = g->add_initializer();
  t->set_name("shape");
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(3);
  for (int64_t d : {int64_t{-1}, int64_t{1} << 40, int64_t{1} << 40}) t->add_int64_data(d);
  add_node(g, "Reshape", {"x", "shape"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {1, 1, 1}, true);
  for (auto& d :
       *g->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim())
    d.set_dim_param("n");
  const std::string p = save(m, path("reshape_overflow.onnx"));
  EXPECT_THAT(error_of([&] {
                Session s(load_model(p), cpu_options());
                s.run({{"x", Tensor(DType::kFloat, {2, 3})}});
              }),
              HasSubstr("(Reshape): cannot reshape [2,3] to [-1,1099511627776,1099511627776]"));
  std::filesystem::remove(p);
}

// A constant whose raw_data is shorter than its dimensions say made ONNX's
// shape inference (libonnx 1.12) read past it and crash the process when a
// Reshape took its shape from it; it is refused before inference runs
// (found by onnx_model_fuzz).
TEST_F(BadInput, ShortRawDataIsRefusedBeforeShapeInference) {
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {2, 3});
  auto* t = g->add_initializer();
  t->set_name("shape");
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(1 << 20);
  t->set_raw_data(std::string(16, '\0'));
  add_node(g, "Reshape", {"x", "shape"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {6}, true);
  const std::string p = save(m, path("short_raw.onnx"));
  EXPECT_THAT(error_of([&] { load_model(p); }),
              HasSubstr("initializer 'shape': raw_data has 16 bytes, not what its type 7 and "
                        "dimensions [1048576] need"));
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

// Found by tests/fuzz/tensor_file_fuzz.cpp: a dimension that is no number
// escaped read_npy as std::stoll's std::invalid_argument (or out_of_range),
// and a negative one was taken.
TEST_F(BadInput, NpyShapeWithADimensionThatIsNoWholeNumberIsRefusedNamingIt) {
  const std::string p = path("dims.npy");
  auto write_header = [&](const std::string& shape) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    header.resize(118, ' ');
    header += '\n';
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(header.size()) << '\x00' << header;
  };
  for (const auto& [shape, named] : {std::pair{"(2, x)", "'x'"},
                                     {"(-3,)", "'-3'"},
                                     {"(99999999999999999999,)", "'99999999999999999999'"},
                                     {"(2 3,)", "'2 3'"}}) {
    write_header(shape);
    try {
      read_npy(p);
      ADD_FAILURE() << shape << " was read";
    } catch (const RuntimeError& e) {
      EXPECT_THAT(e.what(), HasSubstr(std::string("shape has dimension ") + named +
                                      ", not a whole number >= 0"))
          << shape;
    }
  }
  write_header(")(");
  EXPECT_THAT(error_of([&] { read_npy(p); }), HasSubstr("bad shape"));
  write_header("(0, 2)");  // no data: an empty tensor
  EXPECT_EQ(read_npy(p).shape(), (Shape{0, 2}));
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
