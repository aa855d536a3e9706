// The end-to-end example: the committed digits MLP (scripts/train_digits.py)
// classified on the default simulated tiles loses at most 2 accuracy points
// against the float model on the CPU executor.
#include <gtest/gtest.h>

#include "runtime/onnx/classify.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"

#ifndef HYCIM_SOURCE_DIR
#error "HYCIM_SOURCE_DIR must point at the repository"
#endif

namespace hycim::runtime {
namespace {

const std::string kDir = std::string(HYCIM_SOURCE_DIR) + "/models/digits/";

TEST(Digits, QuantizedAccuracyDropIsBounded) {
  const Graph g = load_model(kDir + "model.onnx");
  const Tensor x = read_npy(kDir + "test_x.npy"), y = read_npy(kDir + "test_y.npy");
  Session cpu(g, make_cpu_backend());
  const ClassifyResult f = classify(cpu, x, y, 64);
  Session dev(g, SessionOptions{});
  dev.set_ranges(calibrate(g, {{{"x", read_npy(kDir + "calib_x.npy")}}}));
  const ClassifyResult d = classify(dev, x, y, 64);
  EXPECT_GT(f.accuracy(), 0.95);
  EXPECT_LE(f.accuracy() - d.accuracy(), 0.02)
      << "float " << f.accuracy() << " device " << d.accuracy();
  EXPECT_GT(d.cycles_per_inference, 0);
  EXPECT_GT(d.program_cycles, 0u);
}

TEST(Digits, CalibratedRangesTravelWithTheModel) {
  const Graph g = load_model(kDir + "model.onnx");
  const Ranges r = calibrate(g, {{{"x", read_npy(kDir + "calib_x.npy")}}});
  ASSERT_EQ(r.size(), 3u);  // the float inputs of fc1, fc2, fc3
  const std::string out = ::testing::TempDir() + "digits_calibrated.onnx";
  save_model_with_metadata(kDir + "model.onnx", out, {{kRangesKey, ranges_to_json(r)}});
  Session s(load_model(out), SessionOptions{});
  ASSERT_EQ(s.ranges().size(), 3u);
  EXPECT_FLOAT_EQ(s.ranges().at("x").hi, r.at("x").hi);
  EXPECT_FLOAT_EQ(s.ranges().at("relu1").lo, 0.0f);
}

}  // namespace
}  // namespace hycim::runtime
