#include "runtime/cim/nvm_residency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>

#include "runtime/cim/content_hash.hpp"

namespace hycim::cim {
namespace {
constexpr uint64_t kWornOut = ~uint64_t{0};
}  // namespace

NvmResidency::NvmResidency(ResidentCatalog catalog, ResidencyLog log)
    : catalog_(std::move(catalog)), log_(std::move(log)) {
  if (!log_) log_ = [](const std::string& s) { std::fprintf(stderr, "hycim: %s\n", s.c_str()); };
}

NvmResidency::~NvmResidency() {
  try {
    save_if_changed();
  } catch (const std::exception& e) {
    log_(e.what());
  }
}

void NvmResidency::save() {
  std::lock_guard lock(mu_);
  save_if_changed();
}

void NvmResidency::save_if_changed() {
  if (!dirty_) return;  // a run that placed nothing new writes nothing
  catalog_.save();
  dirty_ = false;
}

std::vector<ResidentBlock> NvmResidency::blocks() const {
  std::lock_guard lock(mu_);
  return catalog_.blocks();
}

ResidencyCounters NvmResidency::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void NvmResidency::release_scratch(const void* owner) {
  std::lock_guard lock(mu_);
  std::erase_if(scratch_, [&](const Span& s) { return s.owner == owner; });
}

std::vector<std::pair<ResidentBlock, bool>> NvmResidency::verify(MvmEngine& engine) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<ResidentBlock, bool>> out;
  for (const ResidentBlock& b : catalog_.blocks()) {
    std::vector<uint8_t> back(size_t{b.rows} * catalog_.geometry().lanes);
    engine.read(b.tile, b.row, back);
    out.emplace_back(b, content_hash(back) == b.hash);
  }
  return out;
}

std::vector<ResidentBlock> NvmResidency::erase(
    MvmEngine& engine, const std::function<bool(const ResidentBlock&)>& which, bool wipe) {
  std::lock_guard lock(mu_);
  std::vector<ResidentBlock> gone;
  auto& blocks = catalog_.blocks();
  for (auto it = blocks.begin(); it != blocks.end();) {
    if (!which(*it)) {
      ++it;
      continue;
    }
    if (wipe)
      engine.program(it->tile, it->row,
                     std::vector<uint8_t>(size_t{it->rows} * catalog_.geometry().lanes, 0));
    verified_.erase(it->hash);
    gone.push_back(*it);
    it = blocks.erase(it);
    dirty_ = true;
  }
  save_if_changed();
  return gone;
}

uint32_t NvmResidency::used_rows() const {
  std::lock_guard lock(mu_);
  return used_rows_locked();
}

uint32_t NvmResidency::used_rows_locked() const {
  uint32_t n = 0;
  for (const ResidentBlock& b : catalog_.blocks()) n += b.rows;
  for (const Span& s : scratch_) n += s.rows;
  return n;
}

std::vector<NvmResidency::Span> NvmResidency::taken(uint32_t tile) const {
  std::vector<Span> t;
  for (const ResidentBlock& b : catalog_.blocks())
    if (b.tile == tile) t.push_back({b.tile, b.row, b.rows, nullptr});
  for (const Span& s : scratch_)
    if (s.tile == tile) t.push_back(s);
  std::sort(t.begin(), t.end(), [](const Span& a, const Span& b) { return a.row < b.row; });
  return t;
}

std::vector<uint64_t>& NvmResidency::wear_of(MvmEngine& engine, uint32_t tile) {
  const Geometry& g = catalog_.geometry();
  if (wear_.empty()) wear_.resize(g.tiles);
  auto& w = wear_[tile];
  if (w.empty()) {
    std::vector<uint32_t> counts(g.nvm_rows);
    engine.read_wear(tile, 0, counts);
    w.assign(counts.begin(), counts.end());
  }
  return w;
}

bool NvmResidency::find_room(MvmEngine& engine, uint32_t rows, std::pair<uint32_t, uint32_t>* at) {
  const Geometry& g = catalog_.geometry();
  for (uint32_t i = 0; i < g.tiles; ++i) {
    const uint32_t tile = (cursor_ + i) % g.tiles;
    const auto spans = taken(tile);
    // Quick reject before reading the tile's wear: no gap is long enough.
    uint32_t longest = 0, from = 0;
    for (const Span& s : spans) {
      if (s.row > from) longest = std::max(longest, s.row - from);
      from = std::max(from, s.row + s.rows);
    }
    longest = std::max(longest, g.nvm_rows - std::min(from, g.nvm_rows));
    if (longest < rows) continue;
    const auto& wear = wear_of(engine, tile);
    // The least-worn window of `rows` free rows: sliding maximum over each gap.
    uint64_t best = kWornOut;
    uint32_t best_row = 0;
    auto scan = [&](uint32_t a, uint32_t b) {  // free rows [a, b)
      std::deque<uint32_t> maxq;               // row indices, wear decreasing
      for (uint32_t r = a; r < b; ++r) {
        while (!maxq.empty() && wear[maxq.back()] <= wear[r]) maxq.pop_back();
        maxq.push_back(r);
        if (maxq.front() + rows <= r) maxq.pop_front();
        if (r + 1 >= a + rows && wear[maxq.front()] < best) {
          best = wear[maxq.front()];
          best_row = r + 1 - rows;
        }
      }
    };
    from = 0;
    for (const Span& s : spans) {
      if (s.row > from) scan(from, s.row);
      from = std::max(from, s.row + s.rows);
    }
    if (from < g.nvm_rows) scan(from, g.nvm_rows);
    if (best != kWornOut) {
      *at = {tile, best_row};
      cursor_ = (tile + 1) % g.tiles;
      return true;
    }
  }
  return false;
}

bool NvmResidency::evict_one(const std::string& why) {
  auto& blocks = catalog_.blocks();
  auto victim = blocks.end();
  for (auto it = blocks.begin(); it != blocks.end(); ++it)
    if (it->last_used < catalog_.generation() &&  // never this run's own blocks
        (victim == blocks.end() || it->last_used < victim->last_used))
      victim = it;
  if (victim == blocks.end()) return false;
  log_(fmt::format("NVM full ({}): evicting '{}' ({}) from tile {} rows {}..{}", why, victim->label,
                   victim->hash.substr(0, 12), victim->tile, victim->row,
                   victim->row + victim->rows - 1));
  verified_.erase(victim->hash);
  blocks.erase(victim);
  dirty_ = true;
  ++counters_.blocks_evicted;
  return true;
}

std::pair<uint32_t, uint32_t> NvmResidency::place(MvmEngine& engine, std::span<const uint8_t> rows,
                                                  const std::string& label, bool constant,
                                                  const void* owner) {
  std::lock_guard lock(mu_);
  const Geometry& g = catalog_.geometry();
  if (rows.empty() || rows.size() % g.lanes != 0)
    throw EngineError(fmt::format("{}: block is not whole rows of {} lanes", label, g.lanes));
  const auto n = static_cast<uint32_t>(rows.size() / g.lanes);
  if (n > g.nvm_rows)
    throw EngineError(
        fmt::format("{}: block of {} rows is larger than a tile ({} rows)", label, n, g.nvm_rows));
  std::string hash;
  if (constant) {
    hash = content_hash(rows);
    auto& blocks = catalog_.blocks();
    auto it = std::find_if(blocks.begin(), blocks.end(),
                           [&](const ResidentBlock& b) { return b.hash == hash && b.rows == n; });
    if (it != blocks.end()) {
      bool same = verified_.count(hash) != 0;
      if (!same) {
        std::vector<uint8_t> back(rows.size());
        engine.read(it->tile, it->row, back);
        same = std::equal(back.begin(), back.end(), rows.begin());
      }
      if (same) {
        verified_.insert(hash);
        dirty_ = dirty_ || it->last_used != catalog_.generation();
        it->last_used = catalog_.generation();
        ++counters_.blocks_found;
        counters_.rows_found += n;
        return {it->tile, it->row};
      }
      log_(
          fmt::format("catalogued block '{}' ({}) at tile {} row {} no longer holds its bytes; "
                      "programming it again",
                      it->label, hash.substr(0, 12), it->tile, it->row));
      blocks.erase(it);
      dirty_ = true;
      ++counters_.blocks_stale;
    }
  }
  std::pair<uint32_t, uint32_t> at;
  const std::string why = fmt::format("'{}' needs {} rows", label, n);
  for (;;) {
    while (!find_room(engine, n, &at))
      if (!evict_one(why))
        throw EngineError(fmt::format(
            "{}: no tile has {} free NVM rows that are not worn out ({} of {} rows hold this "
            "run's weights over {} tiles); use a device with more tiles or a smaller model",
            label, n, used_rows_locked(), g.nvm_rows * g.tiles, g.tiles));
    auto& wear = wear_of(engine, at.first);
    try {
      engine.program(at.first, at.second, rows);
      for (uint32_t r = at.second; r < at.second + n; ++r) ++wear[r];
      break;
    } catch (const WornOutError&) {
      // Rows before the worn one were programmed; that row refused. Learn
      // which from the device, never offer it again, and place elsewhere.
      std::vector<uint32_t> now(n);
      engine.read_wear(at.first, at.second, now);
      for (uint32_t r = 0; r < n; ++r) {
        const bool refused = now[r] == wear[at.second + r];
        wear[at.second + r] = now[r];
        if (refused) {
          wear[at.second + r] = kWornOut;
          log_(fmt::format("tile {} row {} is worn out ({} programs); not used again", at.first,
                           at.second + r, now[r]));
          break;
        }
      }
    }
  }
  ++counters_.blocks_programmed;
  counters_.rows_programmed += n;
  if (constant) {
    catalog_.blocks().push_back({hash, at.first, at.second, n, label, catalog_.generation()});
    dirty_ = true;
    verified_.insert(hash);
  } else {
    scratch_.push_back({at.first, at.second, n, owner});
  }
  return at;
}

std::shared_ptr<NvmResidency> residency_for(const MvmEngine& engine, ResidencyLog log,
                                            std::chrono::milliseconds lock_timeout) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<NvmResidency>> live;
  const std::string store = engine.nvm_store();
  const std::string key = store.empty() ? engine.device_id() : store;
  std::lock_guard lock(mu);
  if (auto r = live[key].lock()) {
    const Geometry& a = r->geometry();
    const Geometry b = engine.geometry();
    if (a.tiles != b.tiles || a.nvm_rows != b.nvm_rows || a.lanes != b.lanes)
      throw EngineError(fmt::format("device {}: geometry changed while in use", key));
    return r;
  }
  auto r = std::make_shared<NvmResidency>(
      store.empty()
          ? ResidentCatalog(engine.geometry())
          : ResidentCatalog::open(catalog_path_for(store), engine.geometry(), lock_timeout),
      std::move(log));
  live[key] = r;
  return r;
}

}  // namespace hycim::cim
