// End-to-end inferences per second of the digits MLP (models/digits) on the
// default simulated device (sim://: 4 fast-model tiles behind the functional
// device, reached through the driver, weights resident in NVM), the same on
// the SystemC device (sim://?engine=systemc), and on bare fast-model tiles
// (bare_tile_engine.hpp: no device, no driver: the tile work itself), against the same
// model on the CPU executor (float, no device), in the same process. Prints
// the markdown rows of docs/benchmarks.md "## Runtime".
//   runtime_bench SOURCE_DIR [repetitions] [--profile BATCH [URI]]
// --profile runs only the device at URI (default sim://, the functional
// device) at BATCH, for `perf record`.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bench/runtime/bare_tile_engine.hpp"
#include "runtime/onnx/classify.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"

namespace {

using namespace hycim::runtime;

struct Figure {
  double per_s = 0, accuracy = 0, cycles = 0, sim_us = 0;
};

// Median inferences/s over `reps` passes of the whole test set.
Figure measure(Session& s, const Tensor& x, const Tensor& y, size_t batch, int reps,
               size_t pipeline = 1) {
  classify(s, x, y, batch);  // warm-up: programs the weights on the first run
  std::vector<double> rates;
  Figure f;
  for (int r = 0; r < reps; ++r) {
    const ClassifyResult c = classify(s, x, y, batch, pipeline);
    rates.push_back(static_cast<double>(c.samples) / c.host_seconds);
    f.accuracy = c.accuracy(), f.cycles = c.cycles_per_inference, f.sim_us = c.sim_us_per_inference;
  }
  std::sort(rates.begin(), rates.end());
  f.per_s = rates[rates.size() / 2];
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: runtime_bench SOURCE_DIR [repetitions]\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/models/digits/";
  const int reps = argc > 2 ? std::max(1, std::stoi(argv[2])) : 5;
  try {
    const Graph g = load_model(dir + "model.onnx");
    const Tensor x = read_npy(dir + "test_x.npy"), y = read_npy(dir + "test_y.npy");
    const Ranges ranges = calibrate(g, {{{"x", read_npy(dir + "calib_x.npy")}}});
    if (argc > 4 && std::string(argv[3]) == "--profile") {
      const auto batch = static_cast<size_t>(std::max(1, std::stoi(argv[4])));
      SessionOptions o;
      if (argc > 5) o.device = argv[5];
      Session device(g, o);
      device.set_ranges(ranges);
      fmt::print("device {}, batch {}: {:.0f} inferences/s\n", o.device, batch,
                 measure(device, x, y, batch, reps).per_s);
      return 0;
    }
    fmt::print(
        "| executor | batch | inferences/s | accuracy | device cycles / inference | simulated us / "
        "inference |\n");
    fmt::print("|---|---|---|---|---|---|\n");
    for (size_t batch : {size_t{1}, size_t{64}}) {
      Session cpu(g, make_cpu_backend());
      Session device(g, SessionOptions{});
      SessionOptions sc;
      sc.device = "sim://?engine=systemc";
      Session systemc(g, sc);
      Session bare(g, make_cim_backend(std::make_unique<hycim::bench::BareTileEngine>(
                          hycim::bench::BareTileOptions{})));
      device.set_ranges(ranges);
      systemc.set_ranges(ranges);
      bare.set_ranges(ranges);
      const Figure c = measure(cpu, x, y, batch, reps), d = measure(device, x, y, batch, reps),
                   s = measure(systemc, x, y, batch, reps), t = measure(bare, x, y, batch, reps);
      fmt::print("| CPU executor (float) | {} | {:.0f} | {:.2f}% | - | - |\n", batch, c.per_s,
                 100 * c.accuracy);
      fmt::print(
          "| device sim:// (driver + functional device, 4 fast-model tiles, int8) | {} | {:.0f} | "
          "{:.2f}% | {:.0f} | {:.3f} |\n",
          batch, d.per_s, 100 * d.accuracy, d.cycles, d.sim_us);
      fmt::print(
          "| device sim://?engine=systemc (driver + SystemC device) | {} | {:.0f} | {:.2f}% | "
          "{:.0f} | {:.3f} |\n",
          batch, s.per_s, 100 * s.accuracy, s.cycles, s.sim_us);
      fmt::print(
          "| bare fast-model tiles, 4 (int8, no device) | {} | {:.0f} | {:.2f}% | {:.0f} | "
          "- |\n",
          batch, t.per_s, 100 * t.accuracy, t.cycles);
      fmt::print("| ratio device / CPU | {} | {:.3f} | | | |\n", batch, d.per_s / c.per_s);
      fmt::print("| ratio bare tiles / functional device | {} | {:.2f} | | | |\n", batch,
                 t.per_s / d.per_s);
      fmt::print("| ratio functional / SystemC device | {} | {:.2f} | | | |\n", batch,
                 d.per_s / s.per_s);
      // The same device with 8 runs in flight (Session::run_many): their
      // layers share device batches and overlap on the tiles.
      const Figure p = measure(device, x, y, batch, reps, 8);
      fmt::print(
          "| device sim://, 8 runs in flight (pipelined) | {} | {:.0f} | {:.2f}% | - | {:.3f} |\n",
          batch, p.per_s, 100 * p.accuracy, p.sim_us);
      fmt::print("| ratio pipelined device / CPU | {} | {:.3f} | | | |\n", batch,
                 p.per_s / c.per_s);
      fmt::print("| ratio bare tiles / CPU | {} | {:.2f} | | | |\n", batch, t.per_s / c.per_s);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "runtime_bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
