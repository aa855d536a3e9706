// A loaded model ready to run: checks at construction that every node is an
// operator hycim runs, then executes the nodes in order on a backend (the CIM
// tiles or the CPU), with per-layer cycles and host time.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/cim/tile_engine.hpp"
#include "runtime/onnx/backend.hpp"
#include "runtime/onnx/graph.hpp"
#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {

using TensorMap = std::map<std::string, Tensor>;
using Ranges = std::map<std::string, Range>;

struct SessionOptions {
  std::string backend =
      "tiles";  // "tiles": multiply-heavy operators on CIM tiles; "cpu": all on the host
  cim::TileEngineOptions engine;  // for "tiles"
};

struct LayerStats {
  std::string node;  // label
  bool on_device = false;
  uint64_t cycles = 0;  // slowest tile's cycles for this node (tiles run in parallel)
  double host_us = 0;   // wall time on the host, simulation included
};

struct RunStats {
  uint64_t cycles = 0;           // sum over layers of LayerStats::cycles: device latency
  uint64_t tile_cycles = 0;      // all tiles' MVM cycles summed: device work
  uint64_t program_cycles = 0;   // NVM programming during this run (first run, per-run weights)
  double sim_us = 0;             // cycles at the engine's clock
  double energy_pj = 0;          // modelled device energy of the run's MVMs
  double program_energy_pj = 0;  // and of its NVM programming
  std::vector<LayerStats> layers;
};

class Session {
 public:
  Session(Graph graph, const SessionOptions& options);
  Session(Graph graph, std::unique_ptr<Backend> backend);

  // Runs the graph; `inputs` must name every graph input with its type and
  // shape. Returns the graph outputs.
  TensorMap run(const TensorMap& inputs);

  const Graph& graph() const { return graph_; }
  const RunStats& last_stats() const { return stats_; }
  // Output name -> largest |error| quantization can add to an element, for
  // outputs of float operators that ran quantized (0 or absent: exact).
  const std::map<std::string, double>& error_bounds() const { return bounds_; }
  std::string plan() const { return backend_->plan(); }
  std::string device() const { return backend_->describe(); }

  // Ranges of float activations quantized for the device: from the model's
  // metadata (hycim.ranges, written by `hycim quantize`) or set here.
  const Ranges& ranges() const { return ranges_; }
  void set_ranges(Ranges r) { ranges_ = std::move(r); }
  // While set, every run records the range of each float input of a device
  // operator into *sink.
  void observe_ranges(Ranges* sink) { observed_ = sink; }

 private:
  void check_supported() const;
  void check_inputs(const TensorMap& inputs) const;
  void run_node(const Node& node, TensorMap& values);

  Graph graph_;
  std::unique_ptr<Backend> backend_;
  Ranges ranges_;
  Ranges* observed_ = nullptr;
  RunStats stats_;
  std::map<std::string, double> bounds_;
};

// The backend SessionOptions asks for; throws RuntimeError for an unknown name.
std::unique_ptr<Backend> make_backend(const SessionOptions& options);

// Activation ranges of `graph` over `samples`, computed on the CPU backend.
Ranges calibrate(const Graph& graph, const std::vector<TensorMap>& samples);

// The metadata key ranges travel under, and their JSON text.
inline constexpr const char* kRangesKey = "hycim.ranges";
std::string ranges_to_json(const Ranges& r);
Ranges ranges_from_json(const std::string& text, const std::string& source);

}  // namespace hycim::runtime
