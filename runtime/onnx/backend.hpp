// Where the multiply-heavy operators multiply. Kernels hand a backend 8-bit
// operands and get exact int32 products back; the CPU backend loops on the
// host, the CIM backend keeps each weight matrix resident on the tiles (see
// runtime/cim) and runs the products as tile MVMs. Zero-point corrections and
// scales stay in the kernels, on the host, so both backends give identical
// integers.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "runtime/cim/weight_plan.hpp"

namespace hycim::runtime {

// The right-hand operand of C = A . B, K x N, ready to multiply.
struct PreparedB {
  uint32_t k = 0, n = 0;
  bool is_signed = true;
  std::vector<uint8_t> data;      // K x N 8-bit patterns
  std::vector<int64_t> col_sums;  // sum_k B[k][n] as signed/unsigned values (zero-point terms)
  std::vector<float> scales;      // per column, float operators only
  std::vector<float> fdata;       // K x N floats: float operators on the CPU backend
  float max_abs = 0, max_scale = 0;
  // A block-diagonal B (packed products): max_abs and max_scale per block,
  // so the error bound is each block's own, as if it ran alone.
  std::vector<std::pair<float, float>> block_max;
  std::unique_ptr<cim::CimMatrix> on_tiles;  // CIM backend only
};

// Where a model's weights live when they do not all fit the NVM
// (docs/runtime.md "Placement"): kResident refuses such a model, naming the
// shortfall, before anything is programmed; kStream reprograms NVM rows of a
// stream region between layers; kAuto streams only when it has to.
enum class Placement { kAuto, kResident, kStream };
// "auto" | "resident" | "stream"; RuntimeError naming the value otherwise.
Placement parse_placement(const std::string& name);
const char* to_string(Placement p);

struct PlacementOptions {
  Placement policy = Placement::kAuto;
  // Tiles of the stream region when streaming (the last tiles; 0: all). All
  // tiles stream fastest (more blocks programmed and multiplied side by
  // side); fewer keep the rest resident and write fewer rows per inference.
  uint32_t stream_tiles = 0;
  // Use catalogued resident blocks without reading them back first
  // (NvmResidency::set_verify_found).
  bool trust_resident = false;
  // Share the constant weight blocks this process programs or finds as its
  // owner's read-only with every owner of the device, so another owner
  // loading the same weights uses them (NvmResidency::set_share_constants).
  bool share_weights = false;
  // Pack the groups of a grouped or depthwise convolution side by side into
  // one block-diagonal product that fills the tile's lanes (Backend::
  // pack_lanes), rather than one product per group.
  bool pack_groups = true;
};

// What placing a model's weights decided and what streaming them costs.
struct PlacementReport {
  // Programs each stream-region row takes per run, on average, and the runs
  // the region lasts at the row endurance (0 when nothing streams).
  double wear_per_run() const {
    return stream_region_rows ? double(streamed_rows) / double(stream_region_rows) : 0.0;
  }
  double lifetime_runs() const {
    return wear_per_run() > 0 ? double(nvm_endurance) / wear_per_run() : 0.0;
  }
  Placement chosen = Placement::kResident;  // kResident or kStream once placed
  uint64_t weight_rows = 0;                 // NVM rows of all constant weights
  uint64_t resident_rows = 0;               // of them, resident
  uint64_t streamed_rows = 0;               // of them, programmed again per run
  uint32_t stream_tiles = 0;                // tiles of the stream region
  uint64_t stream_region_rows = 0;          // and its NVM rows
  uint64_t nvm_endurance = 0;               // programs a row takes (0: unknown)
  uint64_t stream_rows_written = 0;         // rows streamed so far, every run together
  uint64_t device_rows = 0, used_rows = 0;  // the device's NVM rows, and in use now
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Whether float MatMul/Gemm/Conv are quantized and multiplied here (true on
  // the device) or computed in float on the host (false: the CPU executor).
  virtual bool quantizes_float() const = 0;
  // Columns one device MVM fills (the tile's lanes) when small products are
  // packed into one block-diagonal product; 0: keep them apart (the CPU,
  // where the packed zeros cost as much as weights, or packing turned off).
  virtual uint32_t pack_lanes() const { return 0; }
  // Weights that stay the same across runs (initializers) are prepared once
  // and cached under `key`; others are prepared per run and dropped by end_run().
  const PreparedB& prepare(const std::string& key, bool constant,
                           const std::function<PreparedB()>& build);
  // c (M x N) = a (M x K) . B exactly.
  virtual void multiply(const PreparedB& b, std::span<const uint8_t> a, uint32_t m, bool asigned,
                        std::span<int32_t> c) = 0;
  virtual void end_run() { per_run_.clear(); }
  // Placement planning (Session::run, first time): while collecting, weights
  // are prepared but not placed and products are zeros; place_collected()
  // then places everything prepared at once, densely, by the policy. It
  // places nothing and returns false when products packed for the lanes
  // (pack_lanes) would not stay resident: their larger blocks leave holes
  // that one small block per group would have filled. Packing is off then,
  // and the caller collects again.
  virtual bool plans_placement() const { return false; }
  virtual void begin_collect() {}
  virtual bool place_collected() { return true; }
  virtual void abort_collect() {}
  // NVM rows programmed so far (placement and streaming); 0 on the CPU.
  virtual uint64_t nvm_rows_written() const { return 0; }
  virtual PlacementReport placement() const { return {}; }
  // Pipelined runs (Session::run_many): `participants` threads multiply at
  // the same time; until end_pipeline() their products are gathered into
  // common device batches. Each participant calls leave_pipeline() when it
  // has no more work. Returns device batches and MVMs in them.
  virtual void begin_pipeline(size_t /*participants*/) {}
  virtual void leave_pipeline() {}
  virtual std::pair<uint64_t, uint64_t> end_pipeline() { return {0, 0}; }
  // "CPU executor" or the device, for reports.
  virtual std::string describe() const = 0;
  // One line per resident weight block: which tile holds it.
  virtual std::string plan() const { return {}; }
  // Per tile: cycles run so far, and the part of them spent placing weights
  // (programming NVM, or reading resident blocks back to check them); empty
  // on the CPU backend.
  virtual std::vector<uint64_t> cycles() const { return {}; }
  virtual std::vector<uint64_t> program_cycles() const { return {}; }
  // The device's simulated time now, ns, and the part of it spent placing.
  virtual double device_time_ns() const { return 0; }
  virtual double program_time_ns() const { return 0; }
  // Modelled device energy so far, pJ, all tiles; and the part spent placing.
  virtual double energy_pj() const { return 0; }
  // The device usage counters of this backend's contexts (nullopt: the CPU).
  virtual std::optional<driver::Usage> usage() const { return std::nullopt; }
  virtual double program_energy_pj() const { return 0; }
  // NVM residency of the weights placed so far (nullptr on the CPU backend).
  virtual std::optional<cim::ResidencyCounters> residency() const { return std::nullopt; }
  // Writes what is resident where, so a later process finds it.
  virtual void save_residency() {}
  // Prefix of the weight labels in the residency catalog (the model's file).
  void set_model_label(std::string label) { model_label_ = std::move(label); }

 protected:
  virtual void place(const std::string& key, PreparedB& b, bool constant) = 0;
  std::map<std::string, std::unique_ptr<PreparedB>> cache_;
  std::vector<std::unique_ptr<PreparedB>> per_run_;
  std::string model_label_;
  std::mutex prepare_mu_;  // pipelined runs prepare from several threads
};

std::unique_ptr<Backend> make_cpu_backend();
// Takes the engine; its weight rows are allocated by this backend alone. When
// the engine's NVM persists, resident weights are catalogued next to it
// (runtime/cim/resident_catalog.hpp), waiting up to `lock_timeout` for
// another process placing weights on the same device.
std::unique_ptr<Backend> make_cim_backend(
    std::unique_ptr<cim::MvmEngine> engine, cim::ResidencyLog log = {},
    std::chrono::milliseconds lock_timeout = std::chrono::milliseconds(30000),
    PlacementOptions placement = {});

// Fills col_sums from data.
void compute_col_sums(PreparedB& b);

}  // namespace hycim::runtime
