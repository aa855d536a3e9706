// A loaded model ready to run: at construction runs the graph passes
// (graph_passes.hpp) and checks that every remaining node is an operator
// hycim runs (listing all that are not, before anything is placed), then
// executes the nodes in order on a backend (the CIM tiles or the CPU), with
// per-layer cycles and host time.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/onnx/backend.hpp"
#include "runtime/onnx/error.hpp"
#include "runtime/onnx/graph.hpp"
#include "runtime/onnx/graph_passes.hpp"
#include "runtime/onnx/kernel.hpp"

namespace hycim::runtime {

using TensorMap = std::map<std::string, Tensor>;

struct SessionOptions {
  // "tiles": multiply-heavy operators on the CIM tiles of `device`, through
  // the driver; "cpu": everything on the host.
  std::string backend = "tiles";
  std::string device = "sim://";  // a driver URI (docs/driver.md)
  // Further devices: with any, the model is spread over the tiles of all
  // (MultiDeviceEngine; one tile geometry).
  std::vector<std::string> more_devices;
  // Whether weights must all stay resident, may stream, or stream when
  // they must (backend.hpp Placement); tiles only.
  PlacementOptions placement;
  cim::ResidencyLog residency_log;                // eviction notes; default: stderr
  std::chrono::milliseconds lock_timeout{30000};  // another process placing weights
  // Bytes of tensor data a run may hold at once (its inputs, the values it
  // computes, the model's initializers); 0: default_max_memory().
  uint64_t max_memory = 0;
  // How the caller sets max_memory, named at the end of every budget
  // refusal so the message points at the knob the caller has (the Python
  // binding's is its keyword).
  std::string budget_hint = kCliBudgetHint;
};

// Half the machine's physical memory: the rest is left to what is not tensor
// data (the simulated device, kernels' index scratch, the caller's copies of
// inputs and outputs) and to other processes, so a model too large is refused
// by the budget, naming the node, rather than swapping or being killed.
uint64_t default_max_memory();

struct LayerStats {
  std::string node;  // label
  std::string name;  // the node's own name in the model ("" when it has none)
  std::string op;    // operator type
  bool on_device = false;
  uint64_t cycles = 0;                // slowest tile's cycles for this node (tiles run in parallel)
  std::vector<uint64_t> tile_cycles;  // per tile, this node's MVM cycles
  double sim_ns = 0;                  // device simulated time this node took (MVMs, DMA, queueing)
  double energy_pj = 0;               // modelled device energy of this node's MVMs
  double host_start_us = 0;           // since the run started, on the host clock
  double host_us = 0;                 // wall time on the host, simulation included
  // NVM programming in this node (streamed weights, late placement): the
  // slowest tile's cycles, device time, energy and rows written.
  uint64_t program_cycles = 0;
  double program_sim_ns = 0, program_energy_pj = 0;
  uint64_t nvm_rows_written = 0;
};

struct RunStats {
  uint64_t cycles = 0;            // sum over layers of LayerStats::cycles: device latency
  uint64_t tile_cycles = 0;       // all tiles' MVM cycles summed: device work
  uint64_t program_cycles = 0;    // NVM programming during this run (first run, per-run weights)
  double sim_us = 0;              // device simulated time of the run's MVMs and their DMA
  double energy_pj = 0;           // modelled device energy of the run's MVMs
  double program_energy_pj = 0;   // and of its NVM programming
  double program_sim_us = 0;      // device time spent placing weights
  double host_us = 0;             // wall time of the whole run
  uint64_t nvm_rows_written = 0;  // NVM rows programmed: placement and streaming
  std::vector<LayerStats> layers;
};

// What a pipelined run (Session::run_many) cost, all requests together.
struct PipelineStats {
  size_t requests = 0, depth = 0;
  uint64_t device_batches = 0, mvms = 0;  // engine calls and MVMs in them
  uint64_t tile_cycles = 0;               // all tiles' busy cycles
  double sim_us = 0;                      // device simulated time for the whole set
  double energy_pj = 0;
  double host_us = 0;
};

class Session {
 public:
  Session(Graph graph, const SessionOptions& options);
  // `max_memory`, `budget_hint`: as SessionOptions has them.
  Session(Graph graph, std::unique_ptr<Backend> backend, uint64_t max_memory = 0,
          std::string budget_hint = kCliBudgetHint);

  // Runs the graph; `inputs` must name every graph input with its type and
  // shape. Returns the graph outputs.
  TensorMap run(const TensorMap& inputs);
  // Runs independent requests (each a full set of inputs) `depth` at a time
  // in a software pipeline: their products share device batches, so one
  // request's layer overlaps another's. Outputs are those run() gives each
  // request alone; last_pipeline_stats() tells what the whole set cost.
  std::vector<TensorMap> run_many(const std::vector<TensorMap>& requests, size_t depth);
  const PipelineStats& last_pipeline_stats() const { return pipeline_; }
  // Places every weight on the device (programming NVM where it is not
  // already resident) by one run on all-zero inputs, symbolic dimensions
  // taken as 1; last_stats() tells what it cost.
  TensorMap load();
  // Called after each node of a run with (nodes done, nodes, node label).
  void on_node(std::function<void(size_t, size_t, const std::string&)> f) {
    on_node_ = std::move(f);
  }
  // NVM residency of this session's backend (nullopt on the CPU).
  std::optional<cim::ResidencyCounters> residency() const { return backend_->residency(); }
  // What this session's commands made the device do since it opened (the
  // driver's usage counters of its contexts; nullopt on the CPU).
  std::optional<driver::Usage> device_usage() const { return backend_->usage(); }

  // The graph as it runs (after the passes) and what the passes changed.
  const Graph& graph() const { return graph_; }
  const PassSummary& passes() const { return passes_; }
  const RunStats& last_stats() const { return stats_; }
  // Output name -> largest |error| quantization can add to an element, for
  // outputs of float operators that ran quantized (0 or absent: exact).
  const std::map<std::string, double>& error_bounds() const { return bounds_; }
  std::string plan() const { return backend_->plan(); }
  PlacementReport placement() const { return backend_->placement(); }
  std::string device() const { return backend_->describe(); }
  // The memory budget of each run, in bytes, and the most a run held.
  uint64_t max_memory() const { return budget_; }
  uint64_t peak_memory() const { return peak_; }

  // Ranges of float activations quantized for the device: from the model's
  // metadata (hycim.ranges, written by `hycim quantize`) or set here.
  const Ranges& ranges() const { return ranges_; }
  void set_ranges(Ranges r) { ranges_ = std::move(r); }
  // While set (not null), every run hands each float input of a device
  // operator to `observer` (calibration.hpp); the placement pass does not.
  void observe_activations(ActivationObserver* observer) { observed_ = observer; }

 private:
  // Bytes a run's values hold; shared by the workers of a pipelined run.
  struct RunMemory {
    std::atomic<uint64_t> live{0}, peak{0};
  };
  void check_supported() const;
  void plan_placement(const TensorMap& inputs);
  void check_inputs(const TensorMap& inputs) const;
  void start_run(const TensorMap& inputs, RunMemory& mem) const;
  void run_node(size_t i, TensorMap& values, bool collect, RunMemory& mem);
  void run_kernel(const Node& node, ExecContext& ctx, RunMemory& mem);
  void store_outputs(size_t i, ExecContext& ctx, TensorMap& values, RunMemory& mem);
  [[noreturn]] void refuse(const Node& node, const std::string& tensor, uint64_t bytes,
                           uint64_t live) const;

  Graph graph_;
  PassSummary passes_;
  std::unique_ptr<Backend> backend_;
  Ranges ranges_;
  ActivationObserver* observed_ = nullptr;
  RunStats stats_;
  std::map<std::string, double> bounds_;
  std::function<void(size_t, size_t, const std::string&)> on_node_;
  PipelineStats pipeline_;
  std::mutex bounds_mu_;
  std::chrono::steady_clock::time_point run_start_;
  uint64_t budget_ = 0;
  std::string budget_hint_;
  uint64_t initializer_bytes_ = 0;  // held by the session, counted in every run
  uint64_t peak_ = 0;
  // Per node: values no later node reads (nor the graph's outputs), freed
  // once it has run.
  std::vector<std::vector<std::string>> dead_after_;
};

// The backend SessionOptions asks for; throws RuntimeError for an unknown name.
std::unique_ptr<Backend> make_backend(const SessionOptions& options);

// Activation ranges of `graph` over `samples`, computed on the CPU backend
// in float with `options.method` (calibration.cpp): one pass for min/max, a
// second for the |x| histograms of percentile and entropy. Throws
// RuntimeError for options out of range (check_calibration_options).
Ranges calibrate(const Graph& graph, const std::vector<TensorMap>& samples,
                 const CalibrationOptions& options = {});

// The metadata key ranges travel under, and their JSON text.
inline constexpr const char* kRangesKey = "hycim.ranges";
std::string ranges_to_json(const Ranges& r);
Ranges ranges_from_json(const std::string& text, const std::string& source);

}  // namespace hycim::runtime
