// Grouped and depthwise convolutions on the device, packed (several groups
// side by side in one block-diagonal product, filling the tile's lanes) and
// per group (PlacementOptions::pack_groups = false): the same floats bit for
// bit, the same error bound, within that bound of the CPU executor, and
// fewer MVMs packed, by the count the packing implies.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "runtime/onnx/qdq_fusion.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::runtime {
namespace {

// Deterministic values in [lo, hi].
std::vector<float> values(size_t count, uint32_t seed, float lo, float hi) {
  std::vector<float> v(count);
  for (float& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = lo + (hi - lo) * float((seed >> 8) % 100001u) / 100000.0f;
  }
  return v;
}

struct ConvShape {
  int64_t images = 2, c = 40, m = 40, group = 40, h = 8, w = 8;
  int64_t positions() const { return h * w; }  // 3x3 kernel, pads 1, stride 1
};

// x -> Conv(w, bias, group) -> y, with float weights; with `qdq` the input
// and the weights (int8, per-channel scales and zero points) go through
// QuantizeLinear / DequantizeLinear as an exported QDQ model has them, so the
// product fuses into an exact integer one.
Graph conv_graph(const ConvShape& s, bool qdq) {
  Graph g;
  g.source = qdq ? "qdq_grouped_conv" : "grouped_conv";
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {s.images, s.c, s.h, s.w}}};
  g.outputs = {{"y", DType::kFloat, {}}};
  const Shape wshape{s.m, s.c / s.group, 3, 3};
  const size_t wcount = size_t(s.m * s.c / s.group * 9);
  g.initializers["B"] = Tensor(Shape{s.m}, values(size_t(s.m), 7, -0.5f, 0.5f));
  Node conv{0, "conv", "Conv", "", {"x", "W", "B"}, {"y"}, {}};
  conv.attrs["group"].i = s.group;
  conv.attrs["pads"].ints = {1, 1, 1, 1};
  if (!qdq) {
    g.initializers["W"] = Tensor(wshape, values(wcount, 3, -1.0f, 1.0f));
    g.nodes = {conv};
    return g;
  }
  std::vector<int8_t> wq(wcount);
  const auto raw = values(wcount, 3, -128.0f, 127.0f);
  for (size_t i = 0; i < wcount; ++i) wq[i] = static_cast<int8_t>(std::lround(raw[i]));
  std::vector<int8_t> zw(size_t(s.m));
  for (size_t ch = 0; ch < zw.size(); ++ch) zw[ch] = static_cast<int8_t>(int(ch % 5) - 2);
  g.initializers["wq"] = Tensor(wshape, wq);
  g.initializers["sw"] = Tensor(Shape{s.m}, values(size_t(s.m), 5, 0.002f, 0.01f));
  g.initializers["zw"] = Tensor(Shape{s.m}, zw);
  g.initializers["sx"] = Tensor(Shape{}, std::vector<float>{0.021f});
  g.initializers["zx"] = Tensor(Shape{}, std::vector<uint8_t>{100});
  Node q{0, "xq", "QuantizeLinear", "", {"x", "sx", "zx"}, {"xq"}, {}};
  Node dx{1, "xd", "DequantizeLinear", "", {"xq", "sx", "zx"}, {"xd"}, {}};
  Node dw{2, "wd", "DequantizeLinear", "", {"wq", "sw", "zw"}, {"W"}, {}};
  dw.attrs["axis"].i = 0;
  conv.index = 3;
  conv.inputs[0] = "xd";
  g.nodes = {q, dx, dw, conv};
  return g;
}

TensorMap conv_inputs(const ConvShape& s) {
  const Shape shape{s.images, s.c, s.h, s.w};
  return {{"x", Tensor(shape, values(size_t(s.images * s.c * s.h * s.w), 11, -2.0f, 2.0f))}};
}

struct DeviceRun {
  std::vector<float> y;
  double bound = 0;       // the session's error bound of y (0: exact)
  uint64_t mvms = 0;      // device commands of a run once the weights are placed
  uint64_t nvm_rows = 0;  // weight rows placed
  uint64_t weight_rows = 0;
  int fused = 0;  // nodes fused into exact integer convolutions
};

// Two runs on a fresh default device (four 512 x 32 tiles): the first places
// the weights, the second is the one measured.
DeviceRun on_device(const Graph& g, const TensorMap& in, bool pack) {
  PlacementOptions p;
  p.pack_groups = pack;
  Session s(g, make_cim_backend(cim::test::device_engine(4, "default"), {},
                                std::chrono::milliseconds(30000), p));
  s.run(in);
  const uint64_t before = s.device_usage()->commands;
  DeviceRun r;
  r.y = s.run(in).at("y").values<float>();
  r.mvms = s.device_usage()->commands - before;
  r.bound = s.error_bounds().count("y") ? s.error_bounds().at("y") : 0.0;
  r.nvm_rows = s.residency()->rows_programmed;
  r.weight_rows = s.placement().weight_rows;
  for (const Node& n : s.graph().nodes) r.fused += n.op_type == kQdqConv;
  return r;
}

// Packed and per-group runs equal bit for bit, and both lie within the
// bound (or, exact integer products, 1e-4 relative) of the CPU executor.
void expect_same_and_near_cpu(const Graph& g, const TensorMap& in, const DeviceRun& packed,
                              const DeviceRun& apart) {
  ASSERT_EQ(packed.y.size(), apart.y.size());
  EXPECT_EQ(std::memcmp(packed.y.data(), apart.y.data(), packed.y.size() * sizeof(float)), 0);
  for (size_t i = 0; i < packed.y.size(); ++i) ASSERT_EQ(packed.y[i], apart.y[i]) << i;
  EXPECT_EQ(packed.bound, apart.bound);
  Session cpu(g, make_cpu_backend());
  const auto want = cpu.run(in).at("y").values<float>();
  ASSERT_EQ(want.size(), packed.y.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const double tol = packed.bound > 0 ? packed.bound : 1e-4 * (1 + std::fabs(want[i]));
    ASSERT_NEAR(packed.y[i], want[i], tol) << i;
  }
}

// 40 depthwise channels, 9 rows x 1 lane each: per group 40 blocks, packed
// a block of 32 channels (288 rows x 32 lanes) and one of the last 8.
TEST(GroupedConv, DepthwisePacksThirtyTwoChannelsPerProduct) {
  const ConvShape s;
  const Graph g = conv_graph(s, false);
  const TensorMap in = conv_inputs(s);
  const DeviceRun packed = on_device(g, in, true), apart = on_device(g, in, false);
  EXPECT_GT(packed.bound, 0);
  expect_same_and_near_cpu(g, in, packed, apart);
  const uint64_t per_block = uint64_t(s.images * s.positions());
  EXPECT_EQ(apart.mvms, 40 * per_block);
  EXPECT_EQ(packed.mvms, 2 * per_block);
  // The same weight rows either way: a pack stacks its groups' rows.
  EXPECT_EQ(apart.weight_rows, 40u * 9u);
  EXPECT_EQ(packed.weight_rows, 40u * 9u);
  EXPECT_EQ(packed.nvm_rows, 40u * 9u);
}

// Four groups of 16 input and 8 output channels: K = 144 rows per group, so
// the pack of four (576 rows) splits into blocks of 512 and 64 rows.
TEST(GroupedConv, GroupsOfEightLanesPackFourAndSplitOverRows) {
  ConvShape s;
  s.c = 64, s.m = 32, s.group = 4;
  const Graph g = conv_graph(s, false);
  const TensorMap in = conv_inputs(s);
  const DeviceRun packed = on_device(g, in, true), apart = on_device(g, in, false);
  expect_same_and_near_cpu(g, in, packed, apart);
  const uint64_t per_block = uint64_t(s.images * s.positions());
  EXPECT_EQ(apart.mvms, 4 * per_block);
  EXPECT_EQ(packed.mvms, 2 * per_block);
  EXPECT_EQ(packed.weight_rows, 576u);
  EXPECT_EQ(apart.weight_rows, 576u);
}

// The QDQ depthwise conv fuses into an exact integer product: off its
// block a packed column holds its (nonzero) weight zero point, and the
// zero-point correction over the whole packed depth still gives each
// channel its own sum.
TEST(GroupedConv, QdqDepthwisePacksExactly) {
  const ConvShape s;
  const Graph g = conv_graph(s, true);
  const TensorMap in = conv_inputs(s);
  const DeviceRun packed = on_device(g, in, true), apart = on_device(g, in, false);
  EXPECT_EQ(packed.fused, 1);
  EXPECT_EQ(packed.bound, 0);
  expect_same_and_near_cpu(g, in, packed, apart);
  const uint64_t per_block = uint64_t(s.images * s.positions());
  EXPECT_EQ(apart.mvms, 40 * per_block);
  EXPECT_EQ(packed.mvms, 2 * per_block);
}

// A dense 1x1 conv of two 400-row blocks and a depthwise conv of 24
// channels on a device of `tiles` default tiles, resident: packed, the
// depthwise block (216 rows) fits no tile beside a 400-row block on two
// tiles, while its 24 blocks of 9 rows fill the holes.
struct TightRun {
  std::vector<float> y;
  uint64_t mvms = 0;
};

TightRun tight(uint32_t tiles, bool pack) {
  Graph g;
  g.source = "tight";
  g.opset = 13;
  g.inputs = {{"x", DType::kFloat, {1, 400, 4, 4}}, {"z", DType::kFloat, {1, 24, 4, 4}}};
  g.outputs = {{"y", DType::kFloat, {}}, {"d", DType::kFloat, {}}};
  g.initializers["W"] = Tensor(Shape{56, 400, 1, 1}, values(56 * 400, 3, -0.1f, 0.1f));
  g.initializers["D"] = Tensor(Shape{24, 1, 3, 3}, values(24 * 9, 5, -1.0f, 1.0f));
  Node dense{0, "dense", "Conv", "", {"x", "W"}, {"y"}, {}};
  Node dw{1, "dw", "Conv", "", {"z", "D"}, {"d"}, {}};
  dw.attrs["group"].i = 24;
  dw.attrs["pads"].ints = {1, 1, 1, 1};
  g.nodes = {dense, dw};
  PlacementOptions p;
  p.policy = Placement::kResident;
  p.pack_groups = pack;
  Session s(g, make_cim_backend(cim::test::device_engine(tiles, "default"), {},
                                std::chrono::milliseconds(30000), p));
  const TensorMap in{{"x", Tensor(Shape{1, 400, 4, 4}, values(400 * 16, 7, -1.0f, 1.0f))},
                     {"z", Tensor(Shape{1, 24, 4, 4}, values(24 * 16, 9, -1.0f, 1.0f))}};
  s.run(in);
  const uint64_t before = s.device_usage()->commands;
  TightRun r;
  r.y = s.run(in).at("d").values<float>();
  r.mvms = s.device_usage()->commands - before;
  return r;
}

// Packing gives way to residency: where the packed blocks would leave the
// NVM short, the model is placed one product per group instead of refused.
TEST(GroupedConv, PackingGivesWayWhenPackedBlocksDoNotStayResident) {
  const TightRun roomy = tight(3, true), fallback = tight(2, true), apart = tight(2, false);
  EXPECT_EQ(roomy.mvms, 2u * 16u + 16u);  // the depthwise conv as one block
  EXPECT_EQ(fallback.mvms, 2u * 16u + 24u * 16u);
  EXPECT_EQ(apart.mvms, fallback.mvms);
  EXPECT_EQ(roomy.y, apart.y);
  EXPECT_EQ(fallback.y, apart.y);
}

// Only the device packs, and only with the option on: the CPU executor
// keeps one product per group, where packed zeros would cost as much as
// weights.
TEST(GroupedConv, CpuBackendDoesNotPack) {
  EXPECT_EQ(make_cpu_backend()->pack_lanes(), 0u);
  PlacementOptions off;
  off.pack_groups = false;
  EXPECT_EQ(make_cim_backend(cim::test::device_engine(1, "default"))->pack_lanes(), 32u);
  EXPECT_EQ(make_cim_backend(cim::test::device_engine(1, "default"), {},
                             std::chrono::milliseconds(30000), off)
                ->pack_lanes(),
            0u);
}

}  // namespace
}  // namespace hycim::runtime
