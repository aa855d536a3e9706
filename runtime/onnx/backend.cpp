#include "runtime/onnx/backend.hpp"

#include <fmt/format.h>

#include "runtime/cim/gathering_engine.hpp"

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
             std::chrono::milliseconds lock_timeout)
      : engine_(std::move(engine)),
        residency_(cim::residency_for(*engine_, std::move(log), lock_timeout)),
        program_(engine_->geometry().tiles, 0) {}
  bool quantizes_float() const override { return true; }
  std::string describe() const override { return engine_->describe(); }
  void multiply(const PreparedB& b, std::span<const uint8_t> a, uint32_t m, bool asigned,
                std::span<int32_t> c) override {
    b.on_tiles->multiply(a, m, asigned, c, gather_.get());
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
  std::optional<cim::ResidencyCounters> residency() const override {
    return residency_->counters();
  }
  void save_residency() override { residency_->save(); }
  std::string plan() const override {
    std::string s = fmt::format("device: {}\n", engine_->describe());
    for (const auto& [key, b] : cache_) s += "  " + cim::describe(*b->on_tiles) + "\n";
    const auto r = residency_->counters();
    s += fmt::format(
        "  NVM rows in use: {} of {}; blocks found resident {} ({} rows), programmed {} ({} "
        "rows), evicted {}\n",
        residency_->used_rows(), engine_->geometry().nvm_rows * engine_->geometry().tiles,
        r.blocks_found, r.rows_found, r.blocks_programmed, r.rows_programmed, r.blocks_evicted);
    return s;
  }

 protected:
  void place(const std::string& key, PreparedB& b, bool constant) override {
    // In a pipelined run another thread's batch may be on the engine.
    std::unique_lock<std::mutex> engine_lock;
    if (gather_) engine_lock = gather_->lock();
    const auto before = cycles();
    const double e0 = energy_pj(), t0 = device_time_ns();
    const std::string label = model_label_.empty() ? key : model_label_ + ":" + key;
    b.on_tiles = std::make_unique<cim::CimMatrix>(*engine_, *residency_, b.data, b.k, b.n,
                                                  b.is_signed, label, constant, this);
    const auto after = cycles();
    for (size_t t = 0; t < after.size(); ++t) program_[t] += after[t] - before[t];
    program_energy_ += energy_pj() - e0;
    program_ns_ += device_time_ns() - t0;
  }

 private:
  std::unique_ptr<cim::MvmEngine> engine_;
  std::shared_ptr<cim::NvmResidency> residency_;
  std::unique_ptr<cim::GatheringEngine> gather_;  // during a pipelined run
  std::vector<uint64_t> program_;                 // per tile: cycles spent placing weights
  double program_energy_ = 0, program_ns_ = 0;
};

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
                                          std::chrono::milliseconds lock_timeout) {
  return std::make_unique<CimBackend>(std::move(engine), std::move(log), lock_timeout);
}

}  // namespace hycim::runtime
