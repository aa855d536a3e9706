#include "runtime/cim/weight_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>

namespace hycim::cim {

CimMatrix::CimMatrix(MvmEngine& engine, std::span<const uint8_t> w, uint32_t k, uint32_t n,
                     bool wsigned, std::string name)
    : engine_(engine), name_(std::move(name)), k_(k), n_(n), wsigned_(wsigned) {
  const Geometry g = engine.geometry();
  if (w.size() != size_t{k} * n)
    throw EngineError(fmt::format("{}: {} weights for a {}x{} matrix", name_, w.size(), k, n));
  for (uint32_t k0 = 0; k0 < k; k0 += g.max_k) {
    const uint32_t k1 = std::min(k, k0 + g.max_k);
    for (uint32_t n0 = 0; n0 < n; n0 += g.lanes) {
      Block b{k0, k1, n0, std::min(n, n0 + g.lanes)};
      offset_.push_back(packed_.size());
      packed_.resize(packed_.size() + size_t{b.rows()} * g.lanes, 0);
      uint8_t* rows = &packed_[offset_.back()];
      for (uint32_t r = k0; r < k1; ++r)
        std::copy_n(&w[size_t{r} * n + n0], b.n1 - n0, &rows[size_t{r - k0} * g.lanes]);
      blocks_.push_back(b);
    }
  }
}

std::span<const uint8_t> CimMatrix::block_rows(size_t i) const {
  if (packed_.empty()) throw EngineError(fmt::format("{}: block rows already released", name_));
  return std::span(packed_).subspan(offset_[i],
                                    size_t{blocks_[i].rows()} * engine_.geometry().lanes);
}

void CimMatrix::set_home(size_t i, uint32_t tile, uint32_t row) {
  blocks_.at(i).resident = true;
  blocks_[i].tile = tile;
  blocks_[i].row = row;
}

void CimMatrix::place(NvmResidency& residency, bool constant, const void* owner) {
  std::set<uint32_t> used;  // the blocks prefer tiles of their own: side by side
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const Block& b = blocks_[i];
    const std::string label = fmt::format("{} k[{},{}) n[{},{})", name_, b.k0, b.k1, b.n0, b.n1);
    const auto [tile, row] = residency.place(engine_, block_rows(i), label, constant, owner, &used);
    set_home(i, tile, row);
    used.insert(tile);
  }
}

// Resident blocks keep their host rows as streamed ones do: they are what
// heals a row the device's ECC refuses (multiply() reprograms it). The copy is
// the size of the weights, which the host holds in the model anyway.
void CimMatrix::run_resident(std::span<const MvmJob> jobs, MvmEngine* via) const {
  // A row's error grows no smaller by itself: after one reprogram of each
  // block the same row failing again is a worn or stuck row, and is reported.
  std::set<size_t> healed;
  for (;;) {
    try {
      (via ? *via : engine_).mvm(jobs);
      return;
    } catch (const UncorrectableError& e) {
      const auto hit = std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) {
        return b.resident && b.tile == e.tile && e.row >= b.row && e.row < b.row + b.rows();
      });
      if (hit == blocks_.end()) throw;
      const size_t bi = size_t(hit - blocks_.begin());
      if (!healed.insert(bi).second)
        throw UncorrectableError(
            fmt::format("{} (weights {} k[{},{}) n[{},{}): still uncorrectable after "
                        "reprogramming)",
                        e.what(), name_, hit->k0, hit->k1, hit->n0, hit->n1),
            e.tile, e.row);
      engine_.program(hit->tile, hit->row, block_rows(bi));
      fmt::print(stderr,
                 "hycim: {}: tile {} row {} held an error the ECC cannot correct; reprogrammed "
                 "{} k[{},{}) n[{},{}) ({} rows) and ran the batch again\n",
                 name_, e.tile, e.row, name_, hit->k0, hit->k1, hit->n0, hit->n1, hit->rows());
    }
  }
}

uint64_t CimMatrix::rows() const {
  uint64_t n = 0;
  for (const Block& b : blocks_) n += b.rows();
  return n;
}

uint64_t CimMatrix::streamed_rows() const {
  uint64_t n = 0;
  for (const Block& b : blocks_) n += b.resident ? 0 : b.rows();
  return n;
}

void CimMatrix::multiply(std::span<const uint8_t> a, uint32_t m, bool asigned, std::span<int32_t> c,
                         MvmEngine* via) const {
  if (a.size() != size_t{m} * k_ || c.size() != size_t{m} * n_)
    throw EngineError(fmt::format("{}: multiply shapes do not match {}x{}", name_, k_, n_));
  // Every (input row, block) product in one batch: the engine overlaps the
  // tiles. Partial sums of k blocks are added afterwards, on the host.
  const size_t lanes = engine_.geometry().lanes;
  std::vector<int32_t> acc(size_t{m} * blocks_.size() * lanes);
  auto job = [&](uint32_t i, size_t bi, uint32_t tile, uint32_t row) {
    const Block& b = blocks_[bi];
    return MvmJob{tile,
                  row,
                  a.subspan(size_t{i} * k_ + b.k0, b.rows()),
                  std::span(acc).subspan((size_t{i} * blocks_.size() + bi) * lanes, b.n1 - b.n0),
                  asigned,
                  wsigned_};
  };
  std::vector<MvmJob> jobs;
  std::vector<size_t> streamed;
  for (size_t bi = 0; bi < blocks_.size(); ++bi)
    if (!blocks_[bi].resident) streamed.push_back(bi);
  jobs.reserve(size_t{m} * (blocks_.size() - streamed.size()));
  for (uint32_t i = 0; i < m; ++i)
    for (size_t bi = 0; bi < blocks_.size(); ++bi)
      if (blocks_[bi].resident) jobs.push_back(job(i, bi, blocks_[bi].tile, blocks_[bi].row));
  if (!jobs.empty()) run_resident(jobs, via);
  if (!streamed.empty()) {
    if (!stream_)
      throw EngineError(fmt::format("{}: {} blocks have no NVM rows and no stream region", name_,
                                    streamed.size()));
    std::vector<uint32_t> sizes;
    for (size_t bi : streamed) sizes.push_back(blocks_[bi].rows());
    std::lock_guard lock(stream_->mutex());
    stream_->for_each_group(sizes, [&](std::span<const size_t> which,
                                       std::span<const std::pair<uint32_t, uint32_t>> where) {
      std::vector<ProgramJob> programs;
      for (size_t g = 0; g < which.size(); ++g)
        programs.push_back({where[g].first, where[g].second, block_rows(streamed[which[g]])});
      stream_->program(engine_, programs);
      // The whole batch of input rows on this group before it is replaced.
      jobs.clear();
      for (uint32_t i = 0; i < m; ++i)
        for (size_t g = 0; g < which.size(); ++g)
          jobs.push_back(job(i, streamed[which[g]], where[g].first, where[g].second));
      engine_.mvm(jobs);
    });
  }
  std::fill(c.begin(), c.end(), 0);
  for (uint32_t i = 0; i < m; ++i) {
    int32_t* out = &c[size_t{i} * n_];
    for (size_t bi = 0; bi < blocks_.size(); ++bi) {
      const Block& b = blocks_[bi];
      const int32_t* part = &acc[(size_t{i} * blocks_.size() + bi) * lanes];
      for (uint32_t l = 0; l < b.n1 - b.n0; ++l) out[b.n0 + l] += part[l];
    }
  }
}

std::string describe(const CimMatrix& m) {
  std::string s = fmt::format("{} {}x{}:", m.name(), m.k(), m.n());
  for (const Block& b : m.blocks())
    if (b.resident)
      s += fmt::format(" k[{},{}) n[{},{})->tile {} rows {}..{};", b.k0, b.k1, b.n0, b.n1, b.tile,
                       b.row, b.row + b.rows() - 1);
    else
      s += fmt::format(" k[{},{}) n[{},{})->streamed;", b.k0, b.k1, b.n0, b.n1);
  return s;
}

}  // namespace hycim::cim
