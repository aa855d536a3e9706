#include "runtime/onnx/backend.hpp"

#include <fmt/format.h>

#include "runtime/cim/gathering_engine.hpp"
#include "runtime/onnx/error.hpp"

namespace hycim::runtime {
namespace {

int32_t value(uint8_t bits, bool is_signed) {
  return is_signed ? int32_t{static_cast<int8_t>(bits)} : int32_t{bits};
}

class CpuBackend final : public Backend {
 public:
  bool quantizes_float() const override { return false; }
  std::string describe() const override { return "CPU executor"; }
  void multiply(const PreparedB& b, std::span<const uint8_t> a, uint32_t m, bool asigned,
                std::span<int32_t> c) override {
    std::fill(c.begin(), c.end(), 0);
    for (uint32_t i = 0; i < m; ++i)
      for (uint32_t k = 0; k < b.k; ++k) {
        const int32_t x = value(a[size_t{i} * b.k + k], asigned);
        if (x == 0) continue;
        const uint8_t* row = &b.data[size_t{k} * b.n];
        int32_t* out = &c[size_t{i} * b.n];
        for (uint32_t n = 0; n < b.n; ++n) out[n] += x * value(row[n], b.is_signed);
      }
  }

 protected:
  void place(const std::string&, PreparedB&, bool) override {}
};

class CimBackend final : public Backend {
 public:
  CimBackend(std::unique_ptr<cim::MvmEngine> engine, cim::ResidencyLog log,
             std::chrono::milliseconds lock_timeout, PlacementOptions placement)
      : engine_(std::move(engine)),
        residency_(cim::residency_for(*engine_, std::move(log), lock_timeout)),
        options_(placement),
        program_(engine_->geometry().tiles, 0) {
    if (placement.trust_resident) residency_->set_verify_found(false);
    if (placement.share_weights) residency_->set_share_constants(true);
  }
  ~CimBackend() override {
    if (stream_) residency_->release_scratch(&stream_);
  }
  bool quantizes_float() const override { return true; }
  uint32_t pack_lanes() const override {
    if (!options_.pack_groups) return 0;
    if (collecting_) packed_ = true;  // single-threaded: the planning pass
    return engine_->geometry().lanes;
  }
  std::string describe() const override { return engine_->describe(); }
  void multiply(const PreparedB& b, std::span<const uint8_t> a, uint32_t m, bool asigned,
                std::span<int32_t> c) override {
    if (collecting_) {  // planning: shapes only
      std::fill(c.begin(), c.end(), 0);
      return;
    }
    if (b.on_tiles->streamed_rows() == 0)
      return b.on_tiles->multiply(a, m, asigned, c, gather_.get());
    // Streaming programs the engine between MVMs: past the gathering, with
    // the engine to itself.
    std::unique_lock<std::mutex> engine_lock;
    if (gather_) engine_lock = gather_->lock();
    b.on_tiles->multiply(a, m, asigned, c);
  }
  void begin_pipeline(size_t participants) override {
    gather_ = std::make_unique<cim::GatheringEngine>(*engine_);
    for (size_t i = 0; i < participants; ++i) gather_->join();
  }
  void leave_pipeline() override { gather_->leave(); }
  std::pair<uint64_t, uint64_t> end_pipeline() override {
    const std::pair<uint64_t, uint64_t> r{gather_->batches(), gather_->jobs()};
    gather_.reset();
    return r;
  }
  void end_run() override {
    per_run_.clear();
    residency_->release_scratch(this);  // rows of per-run weights are free again
  }
  bool plans_placement() const override { return !planned_; }
  void begin_collect() override { collecting_ = true; }
  bool place_collected() override;
  void abort_collect() override {
    collecting_ = false;
    std::erase_if(cache_, [](const auto& kv) { return kv.second->on_tiles != nullptr; });
  }
  uint64_t nvm_rows_written() const override {
    return residency_->counters().rows_programmed + (stream_ ? stream_->rows_written() : 0);
  }
  PlacementReport placement() const override;
  std::vector<uint64_t> cycles() const override {
    std::vector<uint64_t> c(engine_->geometry().tiles);
    for (uint32_t t = 0; t < c.size(); ++t) c[t] = engine_->cycles(t);
    return c;
  }
  std::vector<uint64_t> program_cycles() const override { return program_; }
  double device_time_ns() const override { return engine_->device_time_ns(); }
  double program_time_ns() const override { return program_ns_; }
  double program_energy_pj() const override { return program_energy_; }
  double energy_pj() const override { return engine_->energy_pj(); }
  std::optional<driver::Usage> usage() const override { return engine_->usage(); }
  std::optional<cim::ResidencyCounters> residency() const override {
    return residency_->counters();
  }
  void save_residency() override { residency_->save(); }
  std::string plan() const override;

 protected:
  void place(const std::string& key, PreparedB& b, bool constant) override;

 private:
  // Runs f, charging the cycles, time and energy it takes to placement.
  template <class F>
  void placing(F f);

  std::unique_ptr<cim::MvmEngine> engine_;
  std::shared_ptr<cim::NvmResidency> residency_;
  PlacementOptions options_;
  std::unique_ptr<cim::GatheringEngine> gather_;  // during a pipelined run
  std::unique_ptr<cim::WeightStream> stream_;     // when weights stream
  bool collecting_ = false, planned_ = false;
  mutable bool packed_ = false;  // a kernel packed products while collecting
  Placement chosen_ = Placement::kResident;
  std::vector<uint64_t> program_;  // per tile: cycles spent placing weights
  double program_energy_ = 0, program_ns_ = 0;
};

template <class F>
void CimBackend::placing(F f) {
  const auto before = cycles();
  const double e0 = energy_pj(), t0 = device_time_ns();
  f();
  const auto after = cycles();
  for (size_t t = 0; t < after.size(); ++t) program_[t] += after[t] - before[t];
  program_energy_ += energy_pj() - e0;
  program_ns_ += device_time_ns() - t0;
}

void CimBackend::place(const std::string& key, PreparedB& b, bool constant) {
  const std::string label = model_label_.empty() ? key : model_label_ + ":" + key;
  b.on_tiles = std::make_unique<cim::CimMatrix>(*engine_, b.data, b.k, b.n, b.is_signed, label);
  if (collecting_) return;  // place_collected() places it with the others
  // In a pipelined run another thread's batch may be on the engine.
  std::unique_lock<std::mutex> engine_lock;
  if (gather_) engine_lock = gather_->lock();
  if (stream_ && !constant) {  // per-run operands stream with the weights
    b.on_tiles->stream_through(stream_.get());
    return;
  }
  try {
    placing([&] { b.on_tiles->place(*residency_, constant, this); });
  } catch (const cim::EngineError&) {
    if (!stream_) throw;
    b.on_tiles->stream_through(stream_.get());  // a late weight that finds no room streams
  }
}

bool CimBackend::place_collected() {
  std::vector<cim::CimMatrix*> matrices;
  std::vector<cim::NvmResidency::Request> requests;
  std::vector<std::pair<cim::CimMatrix*, size_t>> owner;  // request -> (matrix, block)
  for (auto& [key, b] : cache_) {
    if (!b->on_tiles) continue;
    matrices.push_back(b->on_tiles.get());
    for (size_t i = 0; i < b->on_tiles->blocks().size(); ++i) {
      const cim::Block& blk = b->on_tiles->blocks()[i];
      requests.push_back(
          {b->on_tiles->block_rows(i),
           fmt::format("{} k[{},{}) n[{},{})", b->on_tiles->name(), blk.k0, blk.k1, blk.n0, blk.n1),
           matrices.size() - 1});
      owner.emplace_back(b->on_tiles.get(), i);
    }
  }
  const bool short_of_rows = options_.policy != Placement::kStream &&
                             residency_->shortfall(*engine_, requests).rows_short > 0;
  if (short_of_rows && packed_) {
    abort_collect();
    options_.pack_groups = packed_ = false;
    return false;
  }
  collecting_ = false;
  planned_ = true;
  chosen_ = options_.policy == Placement::kStream ? Placement::kStream : Placement::kResident;
  if (options_.policy == Placement::kAuto && short_of_rows) chosen_ = Placement::kStream;
  std::vector<std::optional<std::pair<uint32_t, uint32_t>>> at;
  placing([&] {
    if (chosen_ == Placement::kStream) {
      const uint32_t tiles =
          options_.stream_tiles ? options_.stream_tiles : engine_->geometry().tiles;
      // The region's rows are scratch of &stream_ for the backend's lifetime.
      stream_ =
          std::make_unique<cim::WeightStream>(residency_->reserve_tiles(*engine_, tiles, &stream_));
      stream_->set_accounting([this](const std::function<void()>& f) { placing(f); });
    }
    at = residency_->place_all(*engine_, requests, chosen_ == Placement::kResident);
  });
  for (size_t r = 0; r < requests.size(); ++r)
    if (at[r]) owner[r].first->set_home(owner[r].second, at[r]->first, at[r]->second);
  for (cim::CimMatrix* m : matrices) m->stream_through(stream_.get());
  return true;
}

PlacementReport CimBackend::placement() const {
  PlacementReport r;
  r.chosen = chosen_;
  for (const auto& [key, b] : cache_)
    if (b->on_tiles) {
      r.weight_rows += b->on_tiles->rows();
      r.streamed_rows += b->on_tiles->streamed_rows();
    }
  r.resident_rows = r.weight_rows - r.streamed_rows;
  if (stream_) {
    r.stream_tiles = stream_->region_tiles();
    r.stream_rows_written = stream_->rows_written();
    r.stream_region_rows = stream_->region_rows();
  }
  r.nvm_endurance = engine_->geometry().nvm_endurance;
  r.device_rows = uint64_t{engine_->geometry().tiles} * engine_->geometry().nvm_rows;
  r.used_rows = residency_->used_rows();
  return r;
}

std::string CimBackend::plan() const {
  std::string s = fmt::format("device: {}\n", engine_->describe());
  for (const auto& [key, b] : cache_) s += "  " + cim::describe(*b->on_tiles) + "\n";
  const auto r = residency_->counters();
  const PlacementReport p = placement();
  s += fmt::format(
      "  placement: {}; weights {} NVM rows: {} resident, {} streamed{}\n", to_string(p.chosen),
      p.weight_rows, p.resident_rows, p.streamed_rows,
      p.stream_tiles
          ? fmt::format(
                " through {} tiles ({} rows): {} rows reprogrammed per run, {:.2f} programs per "
                "region row per run, {:.3g} runs to the row endurance ({})",
                p.stream_tiles, p.stream_region_rows, p.streamed_rows, p.wear_per_run(),
                p.lifetime_runs(), p.nvm_endurance)
          : std::string());
  s += fmt::format(
      "  NVM rows in use: {} of {} ({:.1f}%); blocks found resident {} ({} rows), programmed {} "
      "({} rows), evicted {}\n",
      p.used_rows, p.device_rows,
      p.device_rows ? 100.0 * double(p.used_rows) / double(p.device_rows) : 0.0, r.blocks_found,
      r.rows_found, r.blocks_programmed, r.rows_programmed, r.blocks_evicted);
  return s;
}
}  // namespace

const PreparedB& Backend::prepare(const std::string& key, bool constant,
                                  const std::function<PreparedB()>& build) {
  std::lock_guard lock(prepare_mu_);
  if (constant) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return *it->second;
  }
  auto b = std::make_unique<PreparedB>(build());
  if (b->col_sums.empty() && !b->data.empty()) compute_col_sums(*b);
  place(key, *b, constant);
  auto& slot = constant ? cache_[key] : per_run_.emplace_back();
  slot = std::move(b);
  return *slot;
}

void compute_col_sums(PreparedB& b) {
  b.col_sums.assign(b.n, 0);
  for (uint32_t k = 0; k < b.k; ++k)
    for (uint32_t n = 0; n < b.n; ++n)
      b.col_sums[n] += value(b.data[size_t{k} * b.n + n], b.is_signed);
}

std::unique_ptr<Backend> make_cpu_backend() {
  return std::make_unique<CpuBackend>();
}

std::unique_ptr<Backend> make_cim_backend(std::unique_ptr<cim::MvmEngine> engine,
                                          cim::ResidencyLog log,
                                          std::chrono::milliseconds lock_timeout,
                                          PlacementOptions placement) {
  return std::make_unique<CimBackend>(std::move(engine), std::move(log), lock_timeout, placement);
}

Placement parse_placement(const std::string& name) {
  if (name == "auto") return Placement::kAuto;
  if (name == "resident") return Placement::kResident;
  if (name == "stream") return Placement::kStream;
  throw RuntimeError(fmt::format("placement '{}': expected 'auto', 'resident' or 'stream'", name));
}

const char* to_string(Placement p) {
  switch (p) {
    case Placement::kAuto:
      return "auto";
    case Placement::kResident:
      return "resident";
    case Placement::kStream:
      return "stream";
  }
  return "?";
}

}  // namespace hycim::runtime
