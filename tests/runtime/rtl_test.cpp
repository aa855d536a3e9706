// The same model on bare fast-model tiles and on bare Verilated RTL tiles: the
// same outputs, bit for bit, and the same cycle counts, layer by layer. (The
// same through the driver's sim://?tile=rtl device, one process per tile
// kind: cli_rtl_test.sh.)
#include <gtest/gtest.h>

#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::runtime {
namespace {

const std::string kDir = std::string(HYCIM_SOURCE_DIR) + "/models/digits/";

TEST(RtlTiles, DigitsModelMatchesFastModelInOutputsAndCycles) {
  const Graph g = load_model(kDir + "model.onnx");
  const Ranges ranges = calibrate(g, {{{"x", read_npy(kDir + "calib_x.npy")}}});
  const Tensor all = read_npy(kDir + "test_x.npy");
  // Four samples as one batch keeps the RTL run to a few seconds.
  const Tensor x(Shape{4, 64}, std::vector<float>(all.values<float>().begin(),
                                                  all.values<float>().begin() + 256));
  Session model(g, make_cim_backend(cim::test::device_engine(4, "default", "model"))),
      rtl(g, make_cim_backend(cim::test::device_engine(4, "default", "rtl")));
  model.set_ranges(ranges);
  rtl.set_ranges(ranges);
  for (int run = 0; run < 2; ++run) {  // first run programs NVM, second finds it resident
    const TensorMap a = model.run({{"x", x}}), b = rtl.run({{"x", x}});
    EXPECT_EQ(a.at("logits"), b.at("logits"));
    const RunStats &sa = model.last_stats(), &sb = rtl.last_stats();
    EXPECT_EQ(sa.cycles, sb.cycles);
    EXPECT_EQ(sa.tile_cycles, sb.tile_cycles);
    EXPECT_EQ(sa.program_cycles, sb.program_cycles);
    ASSERT_EQ(sa.layers.size(), sb.layers.size());
    for (size_t i = 0; i < sa.layers.size(); ++i)
      EXPECT_EQ(sa.layers[i].cycles, sb.layers[i].cycles) << sa.layers[i].node;
  }
  EXPECT_EQ(model.last_stats().program_cycles, 0u);
}

}  // namespace
}  // namespace hycim::runtime
