// Tile simulation speed: the Verilated RTL in cycles per second, the fast model
// in MACs per second on each of its kernels, and - the baselines, run in the
// same process on the same data with the same compiler flags - a plain int8
// GEMV loop and an AVX-512 VNNI int8 GEMV over weights packed ahead of time.
#include <benchmark/benchmark.h>
#include <immintrin.h>

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
  const auto kernel = static_cast<tile::MvmKernel>(state.range(1));
  if (!tile::mvm_kernel_available(kernel)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  tile::TileModel t(cfg, kernel);
  fill_random(t, 1);
  const uint32_t k = full_k(cfg);
  const bool xsigned = state.range(2) != 0;
  const Command c = Command::mvm(0, k, cfg.nvm_rows, 8, xsigned, 8, true);
  tile::Result r;
  for (auto _ : state) {
    t.execute(c, r);
    benchmark::DoNotOptimize(r.lanes.data());
  }
  state.counters["MACs/s"] =
      benchmark::Counter(double(k) * cfg.lanes * state.iterations(), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(cfg.name) + "/" + tile::to_string(kernel) +
                 (xsigned ? "/int8" : "/uint8"));
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

// The limit beside the model: the same int8 GEMV with vpdpbusd, weights packed
// four rows per 32-bit lane (64-byte aligned) and the inputs as 32-bit words
// before timing; per group one input broadcast feeds 32 lanes, four groups at
// a time into eight independent sums (the fastest of the unrollings tried).
// Inputs taken unsigned (u8 x s8 is the form vpdpbusd has).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void vnni_gemv(const uint8_t* w,
                                                                      const uint32_t* xw,
                                                                      uint32_t groups,
                                                                      uint32_t lanes, int32_t* y) {
  const size_t stride = size_t{lanes} * 4;
  for (uint32_t c = 0; c + 32 <= lanes; c += 32) {
    const uint8_t* q = w + size_t{c} * 4;
    __m512i lo[4], hi[4];
    for (int i = 0; i < 4; ++i) lo[i] = hi[i] = _mm512_setzero_si512();
    uint32_t g = 0;
    for (; g + 4 <= groups; g += 4, q += 4 * stride)
      for (int i = 0; i < 4; ++i) {
        const __m512i x = _mm512_set1_epi32(int(xw[g + i]));
        lo[i] = _mm512_dpbusd_epi32(lo[i], x, _mm512_load_si512(q + i * stride));
        hi[i] = _mm512_dpbusd_epi32(hi[i], x, _mm512_load_si512(q + i * stride + 64));
      }
    for (; g < groups; ++g, q += stride) {
      const __m512i x = _mm512_set1_epi32(int(xw[g]));
      lo[0] = _mm512_dpbusd_epi32(lo[0], x, _mm512_load_si512(q));
      hi[0] = _mm512_dpbusd_epi32(hi[0], x, _mm512_load_si512(q + 64));
    }
    _mm512_storeu_si512(
        y + c, _mm512_add_epi32(_mm512_add_epi32(lo[0], lo[1]), _mm512_add_epi32(lo[2], lo[3])));
    _mm512_storeu_si512(y + c + 16, _mm512_add_epi32(_mm512_add_epi32(hi[0], hi[1]),
                                                     _mm512_add_epi32(hi[2], hi[3])));
  }
}

void BM_VnniInt8Gemv(benchmark::State& state) {
  const auto& cfg = config_arg(state);
  if (!tile::mvm_kernel_available(tile::MvmKernel::kAvx512Vnni) || cfg.lanes % 32 != 0) {
    state.SkipWithError("needs AVX-512 VNNI and lanes a multiple of 32");
    return;
  }
  tile::TileModel t(cfg, tile::MvmKernel::kPortable);
  fill_random(t, 1);
  const uint32_t k = full_k(cfg) / 4 * 4, lanes = cfg.lanes, groups = k / 4;
  struct alignas(64) Line {
    uint8_t b[64];
  };
  std::vector<Line> packed(size_t{groups} * lanes * 4 / 64 + 1);
  auto* w = packed.front().b;
  std::vector<uint32_t> xw(groups);
  auto* xb = reinterpret_cast<uint8_t*>(xw.data());
  for (uint32_t i = 0; i < k; ++i) {
    const auto row = t.peek_row(i);
    for (uint32_t l = 0; l < lanes; ++l) w[size_t{i / 4} * lanes * 4 + l * 4 + i % 4] = row[l];
    xb[i] = t.peek_row(cfg.nvm_rows + i / lanes)[i % lanes];
  }
  std::vector<int32_t> y(lanes);
  for (auto _ : state) {
    vnni_gemv(w, xw.data(), groups, lanes, y.data());
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

// Every configuration on every kernel; inputs unsigned (as the VNNI baseline's) and signed.
void model_args(benchmark::internal::Benchmark* b) {
  for (int64_t c = 0; c < int64_t(spec::kNamedTileConfigs.size()); ++c)
    for (int64_t k = 0; k <= int64_t(tile::MvmKernel::kAvx512Vnni); ++k)
      for (int64_t xsigned = 0; xsigned < 2; ++xsigned) b->Args({c, k, xsigned});
}
BENCHMARK(BM_ModelMvm)->Apply(model_args);
BENCHMARK(BM_PlainInt8Gemv)->DenseRange(0, spec::kNamedTileConfigs.size() - 1);
BENCHMARK(BM_VnniInt8Gemv)->DenseRange(0, spec::kNamedTileConfigs.size() - 1);

}  // namespace

BENCHMARK_MAIN();
