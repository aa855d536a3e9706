// QDQ models (DequantizeLinear'd 8-bit operands feeding MatMul, Gemm, Conv)
// run as they are on the tiles: one integer product of the quantized
// operands, zero points applied exactly on the host, scaled once. The fused
// run equals an exact integer reference computed here up to the final float
// scaling, equals the CPU executor's float path up to float summation order,
// and reports no quantization error bound. Weights come as ONNX Runtime's
// quantizer writes them (8-bit initializers) or as PyTorch exports a
// fake-quantized weight (a float initializer through QuantizeLinear), which
// constant folding turns into the same 8-bit initializer.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/qdq_fusion.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/device_engines.hpp"
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

void set_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void set_float(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void set_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

// Deterministic test data.
struct Rng {
  uint32_t s;
  int next(int lo, int hi) {
    s = s * 1664525u + 1013904223u;
    return lo + static_cast<int>((s >> 8) % static_cast<uint32_t>(hi - lo + 1));
  }
};

Tensor int8_tensor(Shape shape, const std::vector<int32_t>& v, bool is_signed) {
  if (is_signed) return Tensor(std::move(shape), std::vector<int8_t>(v.begin(), v.end()));
  return Tensor(std::move(shape), std::vector<uint8_t>(v.begin(), v.end()));
}

// A model, its inputs, and the exact result: integer products of the
// quantized operands, scaled and biased in double.
struct Case {
  std::string path;
  TensorMap inputs;
  std::vector<double> exact;
};

enum class Bias { kNone, kInt32, kFloat };

// Weight scales and zero points: per output channel or one for all. With
// `as_float` the weight is stored as PyTorch exports it: the float values
// (q - z) * s, quantized by a QuantizeLinear node in the graph.
struct WeightParams {
  std::vector<float> scale;
  std::vector<int32_t> zero;
  bool as_float = false;
  float s(size_t ch) const { return scale.size() == 1 ? scale[0] : scale[ch]; }
  int32_t z(size_t ch) const { return zero.size() == 1 ? zero[0] : zero[ch]; }
};

WeightParams weight_params(bool per_channel, size_t channels) {
  WeightParams p;
  if (!per_channel) return {{0.0061f}, {3}};
  for (size_t c = 0; c < channels; ++c) {
    p.scale.push_back(0.004f + 0.0007f * static_cast<float>(c));
    p.zero.push_back(static_cast<int32_t>(c % 5) - 2);
  }
  return p;
}

// DQ(wq, sw, zw) on `axis` when per channel; returns the bias per channel
// (empty for none) after adding its initializers and DequantizeLinear.
std::vector<double> add_weight_and_bias(onnx::GraphProto* g, const std::vector<int64_t>& wdims,
                                        const std::vector<int32_t>& wq, const WeightParams& wp,
                                        int64_t axis, Bias bias, float sa, size_t channels,
                                        Rng& rng) {
  const std::vector<int64_t> pdims =
      wp.scale.size() == 1 ? std::vector<int64_t>{} : std::vector<int64_t>{int64_t(channels)};
  add_init(g, "sw", onnx::TensorProto::FLOAT, pdims, {}, wp.scale);
  add_init(g, "zw", onnx::TensorProto::INT8, pdims, wp.zero);
  if (wp.as_float) {
    // Channel of element i along `axis` of wdims.
    int64_t inner = 1;
    for (size_t d = size_t(axis) + 1; d < wdims.size(); ++d) inner *= wdims[d];
    std::vector<float> wf(wq.size());
    for (size_t i = 0; i < wq.size(); ++i) {
      const auto ch = size_t((int64_t(i) / inner) % wdims[size_t(axis)]);
      wf[i] = float(wq[i] - wp.z(ch)) * wp.s(ch);
    }
    add_float_init(g, "wf", wdims, wf);
    auto* qw = add_node(g, "QuantizeLinear", {"wf", "sw", "zw"}, {"wq"});
    if (!pdims.empty()) set_int(qw, "axis", axis);
  } else {
    add_init(g, "wq", onnx::TensorProto::INT8, wdims, wq);
  }
  auto* dw = add_node(g, "DequantizeLinear", {"wq", "sw", "zw"}, {"wd"});
  if (!pdims.empty()) set_int(dw, "axis", axis);
  std::vector<double> b;
  if (bias == Bias::kInt32) {
    // As exporters write it: int32, scale sa * sw, zero point 0.
    std::vector<int32_t> bq;
    std::vector<float> sb;
    for (size_t c = 0; c < channels; ++c) bq.push_back(rng.next(-6000, 6000));
    for (float s : wp.scale) sb.push_back(sa * s);
    add_init(g, "bq", onnx::TensorProto::INT32, {int64_t(channels)}, bq);
    add_init(g, "sb", onnx::TensorProto::FLOAT, pdims, {}, sb);
    auto* db = add_node(g, "DequantizeLinear", {"bq", "sb"}, {"bias"});
    if (!pdims.empty()) set_int(db, "axis", 0);
    for (size_t c = 0; c < channels; ++c)
      b.push_back(double(bq[c]) * double(sb.size() == 1 ? sb[0] : sb[c]));
  } else if (bias == Bias::kFloat) {
    std::vector<float> bf;
    for (size_t c = 0; c < channels; ++c) bf.push_back(float(rng.next(-300, 300)) / 64.0f);
    add_float_init(g, "bias", {int64_t(channels)}, bf);
    b.assign(bf.begin(), bf.end());
  }
  return b;
}

// ---- Gemm --------------------------------------------------------------------

struct GemmCase {
  bool trans_a = false, trans_b = false, per_channel = false, signed_act = false;
  bool float_weights = false;
  Bias bias = Bias::kInt32;
  float alpha = 1, beta = 1;
};

std::string describe(const GemmCase& c) {
  return fmt::format("Gemm transA={} transB={} {} {} bias={} alpha={} beta={}{}", c.trans_a,
                     c.trans_b, c.per_channel ? "per-channel" : "per-tensor",
                     c.signed_act ? "int8" : "uint8", static_cast<int>(c.bias), c.alpha, c.beta,
                     c.float_weights ? " float weights" : "");
}

constexpr int64_t kM = 3, kK = 40, kN = 12;

Case gemm_case(const GemmCase& c, const std::string& path) {
  Rng rng{17u + 2u * c.trans_b + 4u * c.per_channel + 8u * c.signed_act};
  auto m = new_model();
  auto* g = m.mutable_graph();
  const int aty = c.signed_act ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
  const int32_t za = c.signed_act ? -7 : 131;
  const float sa = 0.0173f;
  const std::vector<int64_t> adims =
      c.trans_a ? std::vector<int64_t>{kK, kM} : std::vector<int64_t>{kM, kK};
  add_input(g, "aq", aty, adims);
  add_init(g, "sa", onnx::TensorProto::FLOAT, {}, {}, {sa});
  add_init(g, "za", aty, {}, {za});
  add_node(g, "DequantizeLinear", {"aq", "sa", "za"}, {"ad"});
  std::vector<int32_t> a(kM * kK), wq(kK * kN);
  for (auto& v : a) v = c.signed_act ? rng.next(-128, 127) : rng.next(0, 255);
  for (auto& v : wq) v = rng.next(-128, 127);
  WeightParams wp = weight_params(c.per_channel, kN);
  wp.as_float = c.float_weights;
  const std::vector<double> bias = add_weight_and_bias(
      g, c.trans_b ? std::vector<int64_t>{kN, kK} : std::vector<int64_t>{kK, kN}, wq, wp,
      c.trans_b ? 0 : 1, c.bias, sa, kN, rng);
  auto* gemm = add_node(g, "Gemm",
                        c.bias == Bias::kNone ? std::vector<std::string>{"ad", "wd"}
                                              : std::vector<std::string>{"ad", "wd", "bias"},
                        {"y"});
  if (c.trans_a) set_int(gemm, "transA", 1);
  if (c.trans_b) set_int(gemm, "transB", 1);
  if (c.alpha != 1) set_float(gemm, "alpha", c.alpha);
  if (c.beta != 1) set_float(gemm, "beta", c.beta);
  add_input(g, "y", onnx::TensorProto::FLOAT, {kM, kN}, true);

  Case out{
      save(m, path), {{"aq", int8_tensor(Shape(adims.begin(), adims.end()), a, c.signed_act)}}, {}};
  const auto at = [&](int64_t i, int64_t k) { return c.trans_a ? a[k * kM + i] : a[i * kK + k]; };
  const auto wt = [&](int64_t k, int64_t j) { return c.trans_b ? wq[j * kK + k] : wq[k * kN + j]; };
  for (int64_t i = 0; i < kM; ++i)
    for (int64_t j = 0; j < kN; ++j) {
      int64_t acc = 0;
      for (int64_t k = 0; k < kK; ++k) acc += int64_t{at(i, k) - za} * (wt(k, j) - wp.z(j));
      out.exact.push_back(double(c.alpha) * double(acc) * double(sa) * double(wp.s(j)) +
                          (bias.empty() ? 0.0 : double(c.beta) * bias[j]));
    }
  return out;
}

// ---- Conv --------------------------------------------------------------------

struct ConvCase {
  bool signed_act = false, per_channel = true;
  int32_t zx = 100;
  int64_t group = 1;
  std::vector<int64_t> pads{1, 2, 2, 0}, strides{2, 2}, dilations{1, 1};
  Bias bias = Bias::kInt32;
  bool float_weights = false;
};

std::string describe(const ConvCase& c) {
  return fmt::format("Conv {} zx={} group={} pads={} strides={} dilations={} {} bias={}{}",
                     c.signed_act ? "int8" : "uint8", c.zx, c.group, fmt::join(c.pads, ","),
                     fmt::join(c.strides, ","), fmt::join(c.dilations, ","),
                     c.per_channel ? "per-channel" : "per-tensor", static_cast<int>(c.bias),
                     c.float_weights ? " float weights" : "");
}

constexpr int64_t kImages = 2, kC = 4, kH = 9, kW = 8, kOut = 6, kKH = 3, kKW = 3;

// The float input goes through QuantizeLinear, as in an exported QDQ model.
Case conv_case(const ConvCase& c, const std::string& path) {
  Rng rng{101u + 2u * c.signed_act + 4u * c.per_channel + 8u * uint32_t(c.group)};
  auto m = new_model();
  auto* g = m.mutable_graph();
  const int xty = c.signed_act ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
  const float sx = 0.021f;
  add_input(g, "x", onnx::TensorProto::FLOAT, {kImages, kC, kH, kW});
  add_init(g, "sx", onnx::TensorProto::FLOAT, {}, {}, {sx});
  add_init(g, "zx", xty, {}, {c.zx});
  add_node(g, "QuantizeLinear", {"x", "sx", "zx"}, {"xq"});
  add_node(g, "DequantizeLinear", {"xq", "sx", "zx"}, {"xd"});
  const int64_t cg = kC / c.group;
  std::vector<int32_t> wq(kOut * cg * kKH * kKW);
  for (auto& v : wq) v = rng.next(-128, 127);
  WeightParams wp = weight_params(c.per_channel, kOut);
  wp.as_float = c.float_weights;
  const std::vector<double> bias =
      add_weight_and_bias(g, {kOut, cg, kKH, kKW}, wq, wp, 0, c.bias, sx, kOut, rng);
  auto* conv = add_node(g, "Conv",
                        c.bias == Bias::kNone ? std::vector<std::string>{"xd", "wd"}
                                              : std::vector<std::string>{"xd", "wd", "bias"},
                        {"y"});
  set_ints(conv, "pads", c.pads);
  set_ints(conv, "strides", c.strides);
  set_ints(conv, "dilations", c.dilations);
  set_ints(conv, "kernel_shape", {kKH, kKW});
  if (c.group != 1) set_int(conv, "group", c.group);
  const int64_t oh =
      (kH + c.pads[0] + c.pads[2] - ((kKH - 1) * c.dilations[0] + 1)) / c.strides[0] + 1;
  const int64_t ow =
      (kW + c.pads[1] + c.pads[3] - ((kKW - 1) * c.dilations[1] + 1)) / c.strides[1] + 1;
  add_input(g, "y", onnx::TensorProto::FLOAT, {kImages, kOut, oh, ow}, true);

  // Inputs spanning a little more than the quantized range (some saturate),
  // quantized here exactly as QuantizeLinear does.
  std::vector<float> x(kImages * kC * kH * kW);
  std::vector<int32_t> xq(x.size());
  const float lo = sx * float((c.signed_act ? -128 : 0) - c.zx) * 1.1f;
  const float hi = sx * float((c.signed_act ? 127 : 255) - c.zx) * 1.1f;
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = lo + (hi - lo) * float(rng.next(0, 100000)) / 100000.0f;
    const float r = std::nearbyint(x[i] / sx) + float(c.zx);
    xq[i] = int32_t(c.signed_act ? std::clamp(r, -128.0f, 127.0f) : std::clamp(r, 0.0f, 255.0f));
  }
  Case out{save(m, path), {{"x", Tensor(Shape{kImages, kC, kH, kW}, x)}}, {}};
  const int64_t mg = kOut / c.group;
  for (int64_t img = 0; img < kImages; ++img)
    for (int64_t mo = 0; mo < kOut; ++mo)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          int64_t acc = 0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < kKH; ++ky)
              for (int64_t kx = 0; kx < kKW; ++kx) {
                const int64_t iy = oy * c.strides[0] - c.pads[0] + ky * c.dilations[0];
                const int64_t ix = ox * c.strides[1] - c.pads[1] + kx * c.dilations[1];
                if (iy < 0 || iy >= kH || ix < 0 || ix >= kW) continue;  // x - zx = 0 there
                const int64_t ch = (mo / mg) * cg + ci;
                const int64_t xv = xq[((img * kC + ch) * kH + iy) * kW + ix] - c.zx;
                acc += xv * (wq[((mo * cg + ci) * kKH + ky) * kKW + kx] - wp.z(size_t(mo)));
              }
          out.exact.push_back(double(acc) * double(sx) * double(wp.s(size_t(mo))) +
                              (bias.empty() ? 0.0 : bias[size_t(mo)]));
        }
  return out;
}

// ---- Running -------------------------------------------------------------------

int count_ops(const Graph& g, const std::string& op) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(),
                                        [&](const Node& n) { return n.op_type == op; }));
}

// MatMul / Gemm / Conv nodes that read a DequantizeLinear output.
int float_products_fed_by_dq(const Graph& g) {
  std::set<std::string> dq_out;
  for (const Node& n : g.nodes)
    if (n.op_type == "DequantizeLinear") dq_out.insert(n.outputs.begin(), n.outputs.end());
  int count = 0;
  for (const Node& n : g.nodes)
    if ((n.op_type == "MatMul" || n.op_type == "Gemm" || n.op_type == "Conv") &&
        std::any_of(n.inputs.begin(), n.inputs.end(),
                    [&](const std::string& i) { return dq_out.count(i) != 0; }))
      ++count;
  return count;
}

// The default device through the driver, and a device of four small tiles (8
// lanes, 32 NVM rows: the weights split over rows, lanes and tiles).
std::vector<std::pair<std::string, std::unique_ptr<Backend>>> device_backends() {
  std::vector<std::pair<std::string, std::unique_ptr<Backend>>> out;
  out.emplace_back("tiles", make_backend(SessionOptions{}));
  out.emplace_back("small_tiles", make_cim_backend(cim::test::device_engine(4)));
  return out;
}

double near(double want, double rel) {
  return rel * (1 + std::fabs(want));
}

// Runs `c` on the CPU executor (float reference path) and on the device
// backends: every device run equals the exact result within 1e-5 relative,
// has no error bound, and the graph holds one `fused_op` node, no
// `float_op`, no float product fed by DequantizeLinear and no QuantizeLinear
// of a weight left to run per inference.
void check(const Case& c, const std::string& what, const char* fused_op,
           const std::string& float_op, int activation_quantizers) {
  SCOPED_TRACE(what);
  const Graph graph = load_model(c.path);
  Session cpu(graph, make_cpu_backend());
  const Tensor want = cpu.run(c.inputs).at("y");
  ASSERT_EQ(static_cast<size_t>(want.size()), c.exact.size());
  for (size_t i = 0; i < c.exact.size(); ++i)  // the float path itself is right
    ASSERT_NEAR(want.as_double(int64_t(i)), c.exact[i], near(c.exact[i], 1e-4)) << i;
  for (auto& [name, backend] : device_backends()) {
    SCOPED_TRACE(name);
    Session dev(graph, std::move(backend));
    const Tensor got = dev.run(c.inputs).at("y");
    ASSERT_EQ(got.shape(), want.shape());
    EXPECT_GT(dev.last_stats().cycles, 0u);
    const Graph& g = dev.graph();
    EXPECT_EQ(count_ops(g, fused_op), 1);
    EXPECT_EQ(count_ops(g, float_op), 0);
    EXPECT_EQ(float_products_fed_by_dq(g), 0);
    EXPECT_EQ(count_ops(g, "QuantizeLinear"), activation_quantizers);
    EXPECT_EQ(dev.error_bounds().count("y"), 0u);  // exact, not re-quantized
    for (size_t i = 0; i < c.exact.size(); ++i) {
      const double e = c.exact[i], w = want.as_double(int64_t(i)), v = got.as_double(int64_t(i));
      ASSERT_NEAR(v, e, near(e, 1e-5)) << "element " << i;
      ASSERT_NEAR(v, w, near(w, 1e-4)) << "element " << i;
    }
  }
  std::filesystem::remove(c.path);
}

std::string temp(const std::string& name) {
  return ::testing::TempDir() + name;
}

// ---- Tests -----------------------------------------------------------------------

std::string matmul_model(const std::string& path) {
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
  const std::string p = temp("qdq_matmul.onnx");
  const Graph g = load_model(matmul_model(p));
  const Tensor x(Shape{2, 4},
                 std::vector<float>{0.1f, -0.7f, 2.3f, 1.0f, -3.0f, 0.33f, 0.0f, 5.0f});
  Session cpu(g, make_cpu_backend()), tiles(g, SessionOptions{});
  const Tensor want = cpu.run({{"x", x}}).at("y"), got = tiles.run({{"x", x}}).at("y");
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got.as_double(i), want.as_double(i), 1e-5 * (1 + std::fabs(want.as_double(i))));
  EXPECT_EQ(tiles.error_bounds().count("y"), 0u);  // exact, not re-quantized
  EXPECT_GT(tiles.last_stats().cycles, 0u);
  EXPECT_EQ(count_ops(tiles.graph(), kQdqMatMul), 1);
  EXPECT_EQ(float_products_fed_by_dq(tiles.graph()), 0);
  std::filesystem::remove(p);
}

// PyTorch's Linear on a 3-D input: MatMul(x, Transpose(DQ(W))), W per output
// channel on axis 0. The Transpose becomes a DequantizeLinear of W^T (axis 1)
// and the MatMul fuses.
TEST(Qdq, MatMulOfATransposedWeightFuses) {
  const std::string p = temp("qdq_matmul_t.onnx");
  auto m = new_model();
  auto* g = m.mutable_graph();
  add_input(g, "x", onnx::TensorProto::FLOAT, {2, 3, 4});
  add_init(g, "sx", onnx::TensorProto::FLOAT, {}, {}, {0.05f});
  add_init(g, "zx", onnx::TensorProto::UINT8, {}, {128});
  const std::vector<int32_t> wq{1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -128, 127, 0, 2, 6};
  const std::vector<float> sw{0.1f, 0.02f, 0.5f, 0.003f};
  add_init(g, "wq", onnx::TensorProto::INT8, {4, 4}, wq);  // out x in
  add_init(g, "sw", onnx::TensorProto::FLOAT, {4}, {}, sw);
  add_node(g, "QuantizeLinear", {"x", "sx", "zx"}, {"xq"});
  add_node(g, "DequantizeLinear", {"xq", "sx", "zx"}, {"xd"});
  set_int(add_node(g, "DequantizeLinear", {"wq", "sw"}, {"wd"}), "axis", 0);
  set_ints(add_node(g, "Transpose", {"wd"}, {"wt"}), "perm", {1, 0});
  add_node(g, "MatMul", {"xd", "wt"}, {"y"});
  add_input(g, "y", onnx::TensorProto::FLOAT, {2, 3, 4}, true);
  const Graph graph = load_model(save(m, p));
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.37f * float(i % 7) - 1.1f;
  const Tensor xt(Shape{2, 3, 4}, x);
  Session tiles(graph, SessionOptions{});
  const Tensor got = tiles.run({{"x", xt}}).at("y");
  EXPECT_EQ(count_ops(tiles.graph(), kQdqMatMul), 1);
  EXPECT_EQ(count_ops(tiles.graph(), "Transpose"), 0);
  EXPECT_EQ(count_ops(tiles.graph(), "DequantizeLinear"), 0);
  EXPECT_EQ(tiles.error_bounds().count("y"), 0u);
  ASSERT_EQ(got.size(), 24);
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t j = 0; j < 4; ++j) {
      int64_t acc = 0;
      for (int64_t k = 0; k < 4; ++k) {
        const float q =
            std::clamp(std::nearbyint(x[size_t(r * 4 + k)] / 0.05f) + 128.0f, 0.0f, 255.0f);
        acc += (int64_t(q) - 128) * wq[size_t(j * 4 + k)];
      }
      const double want = double(acc) * 0.05 * double(sw[size_t(j)]);
      EXPECT_NEAR(got.as_double(r * 4 + j), want, near(want, 1e-5)) << r << "," << j;
    }
  std::filesystem::remove(p);
}

TEST(Qdq, GemmRunsAsAnExactIntegerProduct) {
  for (bool trans_b : {false, true})
    for (bool per_channel : {false, true})
      for (bool signed_act : {false, true}) {
        GemmCase c;
        c.trans_b = trans_b, c.per_channel = per_channel, c.signed_act = signed_act;
        check(gemm_case(c, temp("qdq_gemm.onnx")), describe(c), kQdqGemm, "Gemm", 0);
      }
}

TEST(Qdq, GemmWithFloatOrNoBiasAndAlphaBetaFuses) {
  GemmCase c;
  c.trans_b = true, c.per_channel = true, c.bias = Bias::kFloat, c.alpha = 0.5f, c.beta = 2.0f;
  check(gemm_case(c, temp("qdq_gemm_ab.onnx")), describe(c), kQdqGemm, "Gemm", 0);
  c.bias = Bias::kNone, c.alpha = 1.5f, c.signed_act = true;
  check(gemm_case(c, temp("qdq_gemm_nobias.onnx")), describe(c), kQdqGemm, "Gemm", 0);
}

TEST(Qdq, ConvRunsAsAnExactIntegerProductWithTheZeroPointInThePadding) {
  ConvCase c;  // uint8 x, zx = 100, pads 1,2,2,0, stride 2, per-channel w, int32 bias
  check(conv_case(c, temp("qdq_conv.onnx")), describe(c), kQdqConv, "Conv", 1);
  c.signed_act = true, c.zx = -9, c.per_channel = false, c.bias = Bias::kFloat;
  c.pads = {2, 1, 1, 2}, c.strides = {1, 2}, c.dilations = {2, 1};
  check(conv_case(c, temp("qdq_conv_dil.onnx")), describe(c), kQdqConv, "Conv", 1);
  c.bias = Bias::kNone, c.pads = {0, 0, 0, 0}, c.strides = {1, 1}, c.dilations = {1, 1};
  check(conv_case(c, temp("qdq_conv_nobias.onnx")), describe(c), kQdqConv, "Conv", 1);
}

TEST(Qdq, TransposedAGemmAndGroupedConvFuse) {
  for (bool trans_b : {false, true})
    for (bool signed_act : {false, true}) {
      GemmCase c;
      c.trans_a = true, c.trans_b = trans_b, c.per_channel = true, c.signed_act = signed_act;
      check(gemm_case(c, temp("qdq_gemm_ta.onnx")), describe(c), kQdqGemm, "Gemm", 0);
    }
  for (bool per_channel : {false, true}) {
    ConvCase c;  // 4 input and 6 output channels in two groups
    c.group = 2, c.per_channel = per_channel;
    check(conv_case(c, temp("qdq_conv_g2.onnx")), describe(c), kQdqConv, "Conv", 1);
  }
}

// PyTorch's export of a fake-quantized weight: float initializer,
// QuantizeLinear, DequantizeLinear. The QuantizeLinear folds into the 8-bit
// initializer, and the product fuses as if the weight had been stored so.
TEST(Qdq, FloatWeightsBehindQuantizeLinearFoldAndFuse) {
  for (bool per_channel : {false, true}) {
    GemmCase g;
    g.trans_b = true, g.per_channel = per_channel, g.float_weights = true;
    check(gemm_case(g, temp("qdq_gemm_fw.onnx")), describe(g), kQdqGemm, "Gemm", 0);
    ConvCase c;
    c.per_channel = per_channel, c.float_weights = true, c.group = 2;
    check(conv_case(c, temp("qdq_conv_fw.onnx")), describe(c), kQdqConv, "Conv", 1);
  }
}

TEST(Qdq, FusionCountsAndRemovesBypassedDequantizeLinear) {
  GemmCase gc;
  gc.per_channel = true;  // DQ(a), DQ(w), DQ(bias), Gemm
  const Case c = gemm_case(gc, temp("qdq_gemm_count.onnx"));
  Graph g = load_model(c.path);
  ASSERT_EQ(count_ops(g, "DequantizeLinear"), 3);
  const QdqFusion f = fuse_qdq(g);
  EXPECT_EQ(f.gemm, 1);
  EXPECT_EQ(f.matmul + f.conv, 0);
  EXPECT_EQ(f.removed_dq, 2);  // a's and w's; the bias' still feeds the fused node
  EXPECT_EQ(count_ops(g, "DequantizeLinear"), 1);
  EXPECT_EQ(fuse_qdq(g).fused(), 0);  // nothing left to fuse
  std::filesystem::remove(c.path);

  // A per-channel weight scale on the wrong axis (K, not N) is left alone.
  Graph h = load_model(gemm_case(gc, temp("qdq_gemm_axis.onnx")).path);
  for (Node& n : h.nodes)
    if (n.op_type == "DequantizeLinear" && n.outputs[0] == "wd") {
      n.attrs["axis"].i = 0;
      Tensor s(DType::kFloat, {kK});
      s.values<float>().assign(size_t(kK), 0.01f);
      h.initializers["sw"] = s;
      h.initializers.erase("zw");
      n.inputs.resize(2);
    }
  EXPECT_EQ(fuse_qdq(h).fused(), 0);
  std::filesystem::remove(temp("qdq_gemm_axis.onnx"));
}

TEST(Qdq, InternalOperatorNamesAreNotAcceptedFromModels) {
  for (const char* op : {kQdqMatMul, kQdqGemm, kQdqConv}) {
    Graph graph;
    graph.source = "m";
    graph.nodes.push_back(Node{0, "n", op, "", {"x"}, {"y"}, {}});
    graph.outputs.push_back(ValueInfo{"y", DType::kFloat, {1}});
    EXPECT_THROW(Session(graph, make_cpu_backend()), RuntimeError) << op;
  }
}

}  // namespace
}  // namespace hycim::runtime
