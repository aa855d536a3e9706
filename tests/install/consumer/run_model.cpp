// An outside C++ program on the installed hycim::runtime: the digits model
// (argv[1] = its directory) classified on the device URI argv[2] and on the
// CPU executor; exit 0 when every test image gets the same class on both.
#include <cstdio>
#include <string>

#include "runtime/onnx/backend.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"

using namespace hycim::runtime;

namespace {

std::vector<size_t> classes(const Tensor& logits) {
  const auto& v = logits.values<float>();
  const size_t n = logits.shape()[0], c = logits.shape()[1];
  std::vector<size_t> out(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 1; j < c; ++j)
      if (v[i * c + j] > v[i * c + out[i]]) out[i] = j;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: run_model MODEL_DIR DEVICE_URI\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  try {
    const Graph g = load_model(dir + "model.onnx");
    const Tensor x = read_npy(dir + "test_x.npy");
    SessionOptions o;
    o.device = argv[2];
    Session device(g, o), cpu(g, make_cpu_backend());
    device.set_ranges(calibrate(g, {{{"x", read_npy(dir + "calib_x.npy")}}}));
    const auto a = classes(device.run({{"x", x}}).at("logits"));
    const auto b = classes(cpu.run({{"x", x}}).at("logits"));
    size_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    std::printf("run_model: %zu of %zu images classified as on the CPU, on %s\n", same, a.size(),
                argv[2]);
    return same == a.size() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "run_model: %s\n", e.what());
    return 1;
  }
}
