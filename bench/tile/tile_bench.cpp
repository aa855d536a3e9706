// Tile simulation speed: the Verilated RTL in cycles per second, the fast model
// in MACs per second, and - the baseline, run in the same process on the same
// data with the same compiler flags - a plain int8 GEMV loop.
#include <benchmark/benchmark.h>

#include <random>

#include "sim/tile/tile_model.hpp"
#include "sim/tile/tile_timing.hpp"
#ifdef HYCIM_HAVE_RTL
#include "sim/tile/rtl_tile.hpp"
#endif

namespace {

using namespace hycim;
using tile::Command;

// The largest MVM a config allows: K = min(rows, inputs that fit in SRAM).
uint32_t full_k(const spec::TileConfig& c) {
  return std::min(c.rows(), c.sram_rows * c.lanes);
}

void fill_random(tile::Tile& t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> row(t.config().lanes);
  for (uint32_t r = 0; r < t.config().rows(); ++r) {
    for (auto& v : row) v = static_cast<uint8_t>(rng());
    t.poke_row(r, row);
  }
}

const spec::TileConfig& config_arg(const benchmark::State& s) {
  return spec::kNamedTileConfigs[static_cast<size_t>(s.range(0))];
}

void BM_ModelMvm(benchmark::State& state) {
  const auto& cfg = config_arg(state);
  tile::TileModel t(cfg);
  fill_random(t, 1);
  const uint32_t k = full_k(cfg);
  const Command c = Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true);
  tile::Result r;
  for (auto _ : state) {
    t.execute(c, r);
    benchmark::DoNotOptimize(r.lanes.data());
  }
  state.counters["MACs/s"] =
      benchmark::Counter(double(k) * cfg.lanes * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cfg.name));
}

// The baseline: y[l] += x[k] * W[k][l] over the same int8 data, nothing else.
void BM_PlainInt8Gemv(benchmark::State& state) {
  const auto& cfg = config_arg(state);
  tile::TileModel t(cfg);
  fill_random(t, 1);
  const uint32_t k = full_k(cfg), lanes = cfg.lanes;
  std::vector<int8_t> w(size_t{k} * lanes), x(k);
  for (uint32_t i = 0; i < k; ++i) {
    const auto row = t.peek_row(i);
    for (uint32_t l = 0; l < lanes; ++l) w[size_t{i} * lanes + l] = static_cast<int8_t>(row[l]);
    x[i] = static_cast<int8_t>(t.peek_row(cfg.nvm_rows + i / lanes)[i % lanes]);
  }
  std::vector<int32_t> y(lanes);
  for (auto _ : state) {
    std::fill(y.begin(), y.end(), 0);
    for (uint32_t i = 0; i < k; ++i) {
      const int32_t xv = x[i];
      const int8_t* wr = &w[size_t{i} * lanes];
      for (uint32_t l = 0; l < lanes; ++l) y[l] += xv * wr[l];
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["MACs/s"] =
      benchmark::Counter(double(k) * lanes * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cfg.name));
}

#ifdef HYCIM_HAVE_RTL
void BM_RtlMvm(benchmark::State& state) {
  const auto& cfg = config_arg(state);
  auto t = tile::make_rtl_tile(cfg, {});
  fill_random(*t, 1);
  const uint32_t k = full_k(cfg);
  const Command c = Command::mvm(0, k, cfg.nvm_rows, 8, true, 8, true);
  tile::Result r;
  uint64_t cycles = 0;
  for (auto _ : state) {
    t->execute(c, r);
    cycles += r.cycles;
  }
  state.counters["cycles/s"] = benchmark::Counter(double(cycles), benchmark::Counter::kIsRate);
  state.counters["MACs/s"] =
      benchmark::Counter(double(k) * cfg.lanes * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cfg.name));
}
BENCHMARK(BM_RtlMvm)
    ->DenseRange(0, spec::kNamedTileConfigs.size() - 1)
    ->Unit(benchmark::kMicrosecond);
#endif

BENCHMARK(BM_ModelMvm)->DenseRange(0, spec::kNamedTileConfigs.size() - 1);
BENCHMARK(BM_PlainInt8Gemv)->DenseRange(0, spec::kNamedTileConfigs.size() - 1);

}  // namespace

BENCHMARK_MAIN();
