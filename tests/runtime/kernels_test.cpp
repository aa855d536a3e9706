// Every device operator's ONNX node tests (Debian libonnx-testdata), run in
// process on each backend: the fast tile model on default and on small tiles
// (where matrices split over rows, lanes and tiles) and the CPU executor.
// In the unit suite, so the kernels also run under ASan+UBSan.
#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/onnx/conformance.hpp"
#include "runtime/onnx/session.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::runtime {
namespace {

namespace fs = std::filesystem;
const fs::path kNodeTests = "/usr/share/libonnx-testdata/data/node";

std::vector<std::string> cases() {
  const std::vector<std::string> prefixes = {
      "test_matmul_",       "test_gemm_",         "test_conv_with_",  "test_basic_conv_",
      "test_matmulinteger", "test_qlinearmatmul", "test_convinteger", "test_basic_convinteger",
      "test_qlinearconv",   "test_convtranspose"};
  std::vector<std::string> out;
  if (!fs::is_directory(kNodeTests)) return out;
  for (const auto& e : fs::directory_iterator(kNodeTests)) {
    const std::string name = e.path().filename().string();
    for (const auto& p : prefixes)
      if (name.rfind(p, 0) == 0) {
        out.push_back(name);
        break;
      }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "tiles": the default in-process device through the driver; "small_tiles": a
// device of two small tiles (another geometry, in the same process);
// "cpu": the CPU executor.
std::unique_ptr<Backend> backend(const std::string& which) {
  if (which == "cpu") return make_cpu_backend();
  if (which == "small_tiles") {
    return make_cim_backend(cim::test::device_engine(2));
  }
  return make_backend(SessionOptions{});
}

TEST(Kernels, OnnxNodeTestsPassOnEveryBackend) {
  const auto names = cases();
  if (names.empty()) GTEST_SKIP() << kNodeTests << " is missing (Debian package libonnx-testdata)";
  EXPECT_GE(names.size(), 27u);
  for (const char* which : {"tiles", "small_tiles", "cpu"})
    for (const auto& name : names) {
      const CaseResult r = check_case((kNodeTests / name).string(), [&] { return backend(which); });
      EXPECT_TRUE(r.passed) << which << " " << name << ": " << r.reason;
      if (std::string(which) != "cpu") {
        EXPECT_GT(r.cycles, 0u) << which << " " << name;
      }
    }
}

// A ConvTranspose output sums the products of every kernel tap that reaches
// it, so its error bound is the product's bound times that count: 3 x 3 taps
// with stride 1, one with stride 3 (same operands, same product bound).
TEST(Kernels, ConvTransposeBoundCountsTheOverlappingTaps) {
  auto bound = [](int64_t stride) {
    Graph g;
    g.source = "convtranspose";
    g.opset = 13;
    g.inputs = {{"x", DType::kFloat, {1, 1, 3, 3}}};
    g.outputs = {{"y", DType::kFloat, {}}};
    g.initializers["W"] = Tensor(Shape{1, 1, 3, 3}, std::vector<float>{1, -2, 3, 0.5f, 1, -1, 2, 0, 1});
    Node n{0, "up", "ConvTranspose", "", {"x", "W"}, {"y"}, {}};
    n.attrs["strides"].ints = {stride, stride};
    g.nodes = {n};
    Session s(g, backend("small_tiles"));
    s.run({{"x", Tensor(Shape{1, 1, 3, 3}, std::vector<float>{0.1f, -0.7f, 0.3f, 0.9f, -0.2f, 0.4f,
                                                               0.6f, -0.5f, 0.8f})}});
    return s.error_bounds().at("y");
  };
  const double spread = bound(3), overlapped = bound(1);
  EXPECT_GT(spread, 0);
  EXPECT_DOUBLE_EQ(overlapped / spread, 9.0);
}

TEST(Kernels, BrokenCaseFolderIsAFailureNotACrash) {
  const CaseResult r = check_case("/nonexistent/case", SessionOptions{});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("cannot open"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace hycim::runtime
