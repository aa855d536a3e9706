#include "runtime/cim/weight_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hycim::cim {

std::pair<uint32_t, uint32_t> RowAllocator::allocate(uint32_t rows, const std::string& what) {
  const auto tiles = static_cast<uint32_t>(next_.size());
  for (uint32_t i = 0; i < tiles; ++i) {
    const uint32_t t = (cursor_ + i) % tiles;
    if (rows_ - next_[t] >= rows) {
      const uint32_t row = next_[t];
      next_[t] += rows;
      cursor_ = (t + 1) % tiles;
      return {t, row};
    }
  }
  throw EngineError(
      fmt::format("{}: no tile has {} free NVM rows ({} of {} rows in use over {} tiles); "
                  "use more tiles or a smaller model",
                  what, rows, used_rows(), rows_ * tiles, tiles));
}

uint32_t RowAllocator::used_rows() const {
  uint32_t used = 0;
  for (uint32_t n : next_) used += n;
  return used;
}

CimMatrix::CimMatrix(MvmEngine& engine, RowAllocator& alloc, std::span<const uint8_t> w, uint32_t k,
                     uint32_t n, bool wsigned, const std::string& name)
    : engine_(engine), name_(name), k_(k), n_(n), wsigned_(wsigned) {
  const Geometry g = engine.geometry();
  if (w.size() != size_t{k} * n)
    throw EngineError(fmt::format("{}: {} weights for a {}x{} matrix", name, w.size(), k, n));
  std::vector<uint8_t> rows;
  for (uint32_t k0 = 0; k0 < k; k0 += g.max_k) {
    const uint32_t k1 = std::min(k, k0 + g.max_k);
    for (uint32_t n0 = 0; n0 < n; n0 += g.lanes) {
      Block b{k0, k1, n0, std::min(n, n0 + g.lanes), 0, 0};
      std::tie(b.tile, b.row) = alloc.allocate(k1 - k0, name);
      rows.assign(size_t{k1 - k0} * g.lanes, 0);  // unused lanes hold zero weights
      for (uint32_t r = k0; r < k1; ++r)
        std::copy_n(&w[size_t{r} * n + n0], b.n1 - n0, &rows[size_t{r - k0} * g.lanes]);
      engine.program(b.tile, b.row, rows);
      blocks_.push_back(b);
    }
  }
}

void CimMatrix::multiply(std::span<const uint8_t> a, uint32_t m, bool asigned,
                         std::span<int32_t> c) const {
  if (a.size() != size_t{m} * k_ || c.size() != size_t{m} * n_)
    throw EngineError(fmt::format("{}: multiply shapes do not match {}x{}", name_, k_, n_));
  std::fill(c.begin(), c.end(), 0);
  std::vector<int32_t> acc(engine_.geometry().lanes);
  for (uint32_t i = 0; i < m; ++i) {
    const auto row = a.subspan(size_t{i} * k_, k_);
    int32_t* out = &c[size_t{i} * n_];
    for (const Block& b : blocks_) {
      const uint32_t lanes = b.n1 - b.n0;
      engine_.mvm(b.tile, b.row, row.subspan(b.k0, b.k1 - b.k0), asigned, wsigned_,
                  std::span(acc).first(lanes));
      for (uint32_t l = 0; l < lanes; ++l) out[b.n0 + l] += acc[l];  // partial sums over k blocks
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
