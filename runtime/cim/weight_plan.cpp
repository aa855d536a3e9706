#include "runtime/cim/weight_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hycim::cim {

CimMatrix::CimMatrix(MvmEngine& engine, NvmResidency& residency, std::span<const uint8_t> w,
                     uint32_t k, uint32_t n, bool wsigned, const std::string& name, bool constant,
                     const void* owner)
    : engine_(engine), name_(name), k_(k), n_(n), wsigned_(wsigned) {
  const Geometry g = engine.geometry();
  if (w.size() != size_t{k} * n)
    throw EngineError(fmt::format("{}: {} weights for a {}x{} matrix", name, w.size(), k, n));
  std::vector<uint8_t> rows;
  for (uint32_t k0 = 0; k0 < k; k0 += g.max_k) {
    const uint32_t k1 = std::min(k, k0 + g.max_k);
    for (uint32_t n0 = 0; n0 < n; n0 += g.lanes) {
      Block b{k0, k1, n0, std::min(n, n0 + g.lanes), 0, 0};
      rows.assign(size_t{k1 - k0} * g.lanes, 0);  // unused lanes hold zero weights
      for (uint32_t r = k0; r < k1; ++r)
        std::copy_n(&w[size_t{r} * n + n0], b.n1 - n0, &rows[size_t{r - k0} * g.lanes]);
      const std::string label = fmt::format("{} k[{},{}) n[{},{})", name, k0, k1, n0, b.n1);
      std::tie(b.tile, b.row) = residency.place(engine, rows, label, constant, owner);
      blocks_.push_back(b);
    }
  }
}

void CimMatrix::multiply(std::span<const uint8_t> a, uint32_t m, bool asigned, std::span<int32_t> c,
                         MvmEngine* via) const {
  if (a.size() != size_t{m} * k_ || c.size() != size_t{m} * n_)
    throw EngineError(fmt::format("{}: multiply shapes do not match {}x{}", name_, k_, n_));
  // Every (input row, block) product in one batch: the engine overlaps the
  // tiles. Partial sums of k blocks are added afterwards, on the host.
  const size_t lanes = engine_.geometry().lanes;
  std::vector<int32_t> acc(size_t{m} * blocks_.size() * lanes);
  std::vector<MvmJob> jobs;
  jobs.reserve(size_t{m} * blocks_.size());
  for (uint32_t i = 0; i < m; ++i) {
    const auto row = a.subspan(size_t{i} * k_, k_);
    for (const Block& b : blocks_)
      jobs.push_back({b.tile, b.row, row.subspan(b.k0, b.k1 - b.k0),
                      std::span(acc).subspan(jobs.size() * lanes, b.n1 - b.n0), asigned, wsigned_});
  }
  (via ? *via : engine_).mvm(jobs);
  std::fill(c.begin(), c.end(), 0);
  size_t j = 0;
  for (uint32_t i = 0; i < m; ++i) {
    int32_t* out = &c[size_t{i} * n_];
    for (const Block& b : blocks_) {
      const int32_t* part = &acc[j++ * lanes];
      for (uint32_t l = 0; l < b.n1 - b.n0; ++l) out[b.n0 + l] += part[l];
    }
  }
}

std::string describe(const CimMatrix& m) {
  std::string s = fmt::format("{} {}x{}:", m.name(), m.k(), m.n());
  for (const Block& b : m.blocks())
    s += fmt::format(" k[{},{}) n[{},{})->tile {} rows {}..{};", b.k0, b.k1, b.n0, b.n1, b.tile,
                     b.row, b.row + (b.k1 - b.k0) - 1);
  return s;
}

}  // namespace hycim::cim
