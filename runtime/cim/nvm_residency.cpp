#include "runtime/cim/nvm_residency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "runtime/cim/content_hash.hpp"

namespace hycim::cim {
namespace {
constexpr uint64_t kWornOut = ~uint64_t{0};
using driver::RowAccess;

// Calls f(first, count) for each run of rows in [row, row + rows) that
// `in(r)` selects: the device calls (share, release) and the free map take
// runs, not single rows.
template <class In, class F>
void for_each_run(uint32_t row, uint32_t rows, In in, F f) {
  const uint32_t last = row + rows;
  for (uint32_t r = row; r < last;) {
    if (!in(r)) {
      ++r;
      continue;
    }
    uint32_t end = r;
    while (end < last && in(end)) ++end;
    f(r, end - r);
    r = end;
  }
}
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

FreeRows& NvmResidency::free_map() {
  if (free_) return *free_;
  const Geometry& g = catalog_.geometry();
  FreeRows f(g.tiles, g.nvm_rows);
  for (const ResidentBlock& b : catalog_.blocks())
    if (!f.take(b.tile, b.row, b.rows))
      throw EngineError(fmt::format(
          "residency catalog {}: block '{}' at tile {} rows {}..{} overlaps another or lies "
          "outside the device",
          catalog_.path_of(b.tile).string(), b.label, b.tile, b.row, b.row + b.rows - 1));
  for (const Span& s : scratch_) f.take(s.tile, s.row, s.rows);
  for (uint32_t t = 0; t < wear_.size(); ++t)
    for (uint32_t r = 0; r < wear_[t].size(); ++r)
      if (wear_[t][r] == kWornOut) f.take(t, r, 1);
  // Other owners' rows are no room (their catalogued blocks are taken above);
  // released rows stay free: programming claims them.
  for (uint32_t t = 0; t < access_.size(); ++t)
    for (uint32_t r = 0; r < access_[t].size(); ++r)
      if (is_foreign(access_[t][r])) f.take(t, r, 1);
  free_ = std::move(f);
  return *free_;
}

void NvmResidency::load_access(MvmEngine& engine) {
  if (!access_.empty()) return;
  const Geometry& g = catalog_.geometry();
  std::vector<std::vector<RowAccess>> all(g.tiles);
  for (uint32_t t = 0; t < g.tiles; ++t) {
    all[t] = engine.row_access(t);
    if (all[t].size() != g.nvm_rows)
      throw EngineError(fmt::format("{}: tile {} reports the access of {} NVM rows, not {}",
                                    engine.describe(), t, all[t].size(), g.nvm_rows));
  }
  access_ = std::move(all);
  if (free_)
    for (uint32_t t = 0; t < access_.size(); ++t)
      for (uint32_t r = 0; r < access_[t].size(); ++r)
        if (is_foreign(access_[t][r])) free_->take(t, r, 1);
}

void NvmResidency::reload_access(MvmEngine& engine, uint32_t tile) {
  load_access(engine);
  std::vector<RowAccess> now = engine.row_access(tile);
  if (now.size() != access_.at(tile).size()) return;
  access_[tile] = std::move(now);
  for (uint32_t r = 0; r < access_[tile].size(); ++r)
    if (is_foreign(access_[tile][r])) free_map().take(tile, r, 1);
}

void NvmResidency::set_access(uint32_t tile, uint32_t row, uint32_t rows, RowAccess a) {
  if (tile >= access_.size()) return;
  for (uint32_t r = row; r < row + rows && r < access_[tile].size(); ++r) access_[tile][r] = a;
}

std::vector<RowAccess> NvmResidency::row_access(MvmEngine& engine, uint32_t tile) {
  std::lock_guard lock(mu_);
  load_access(engine);
  return access_.at(tile);
}

NvmResidency::Use NvmResidency::use_of(const ResidentBlock& b) const {
  if (b.tile >= access_.size()) return Use::kOwn;  // access not known: as without owners
  const auto& a = access_[b.tile];
  bool released = false, shared = false;
  for (uint32_t r = b.row; r < b.row + b.rows && r < a.size(); ++r) {
    if (a[r] == RowAccess::kTheirs) return Use::kForeign;
    released = released || a[r] == RowAccess::kReleased;
    shared = shared || a[r] == RowAccess::kShared;
  }
  if (released) return Use::kStale;
  return shared ? Use::kReadable : Use::kOwn;
}

void NvmResidency::make_programmable(MvmEngine& engine, uint32_t tile, uint32_t row,
                                     uint32_t rows) {
  if (tile >= access_.size()) return;
  const auto& a = access_[tile];
  for_each_run(
      row, rows, [&](uint32_t r) { return a[r] == RowAccess::kMineShared; },
      [&](uint32_t first, uint32_t n) {
        engine.share_rows(tile, first, n, false);
        set_access(tile, first, n, RowAccess::kMine);
      });
}

uint64_t NvmResidency::foreign_rows() const {
  uint64_t n = 0;
  for (const auto& t : access_) n += std::count_if(t.begin(), t.end(), is_foreign);
  return n;
}

std::string NvmResidency::no_room(const std::string& label, uint32_t rows) const {
  const Geometry& g = catalog_.geometry();
  const uint64_t foreign = foreign_rows();
  return fmt::format(
      "{}: no tile has {} free NVM rows that are not worn out ({} of {} rows hold this "
      "run's weights over {} tiles{}); use a device with more tiles or a smaller model",
      label, rows, used_rows_locked(), g.nvm_rows * g.tiles, g.tiles,
      foreign ? fmt::format("; {} rows are other owners', never evicted", foreign) : "");
}

uint64_t NvmResidency::free_rows() const {
  std::lock_guard lock(mu_);
  return const_cast<NvmResidency*>(this)->free_map().free_rows();
}

void NvmResidency::release_scratch(const void* owner) {
  std::lock_guard lock(mu_);
  // Backends release in their destructors: with nothing to give back, the
  // free map (which refuses a catalog of overlapping blocks) is not needed.
  if (std::none_of(scratch_.begin(), scratch_.end(),
                   [&](const Span& s) { return s.owner == owner; }))
    return;
  FreeRows& f = free_map();
  std::erase_if(scratch_, [&](const Span& s) {
    if (s.owner != owner) return false;
    f.give(s.tile, s.row, s.rows);
    return true;
  });
}

void NvmResidency::drop_block(std::vector<ResidentBlock>::iterator it) {
  // Rows another owner holds stay out of the free map.
  FreeRows& f = free_map();
  const auto* a = it->tile < access_.size() ? &access_[it->tile] : nullptr;
  for_each_run(
      it->row, it->rows, [&](uint32_t r) { return !a || !is_foreign((*a)[r]); },
      [&](uint32_t first, uint32_t n) { f.give(it->tile, first, n); });
  verified_.erase({it->tile, it->row});
  catalog_.blocks().erase(it);
  dirty_ = true;
}

void NvmResidency::set_verify_found(bool verify) {
  std::lock_guard lock(mu_);
  verify_found_ = verify;
}

void NvmResidency::set_share_constants(bool share) {
  std::lock_guard lock(mu_);
  share_constants_ = share;
}

// A block with a row the device's ECC refuses does not hold its bytes either.
std::vector<std::pair<ResidentBlock, bool>> NvmResidency::verify(MvmEngine& engine) {
  std::lock_guard lock(mu_);
  load_access(engine);
  std::vector<std::pair<ResidentBlock, bool>> out;
  for (const ResidentBlock& b : catalog_.blocks()) {
    const Use use = use_of(b);
    if (use == Use::kForeign) continue;  // another owner's: not ours to read
    std::vector<uint8_t> back(size_t{b.rows} * catalog_.geometry().lanes);
    bool ok = false;
    if (use != Use::kStale) {
      try {
        engine.read(b.tile, b.row, back);
        ok = content_hash(back) == b.hash;
      } catch (const UncorrectableError&) {
      } catch (const RowDeniedError&) {
      }
    }
    out.emplace_back(b, ok);
  }
  return out;
}

std::vector<ResidentBlock> NvmResidency::erase(
    MvmEngine& engine, const std::function<bool(const ResidentBlock&)>& which, bool wipe,
    std::vector<ResidentBlock>* skipped) {
  std::lock_guard lock(mu_);
  load_access(engine);
  std::vector<ResidentBlock> gone;
  auto& blocks = catalog_.blocks();
  for (auto it = blocks.begin(); it != blocks.end();) {
    if (!which(*it)) {
      ++it;
      continue;
    }
    const Use use = use_of(*it);
    if (use == Use::kForeign || use == Use::kReadable) {
      log_(
          fmt::format("not erasing '{}' ({}) at tile {} rows {}..{}: its rows are another "
                      "owner's ({})",
                      it->label, it->hash.substr(0, 12), it->tile, it->row, it->row + it->rows - 1,
                      it->owner.empty() ? "unknown" : it->owner));
      if (skipped) skipped->push_back(*it);
      ++it;
      continue;
    }
    make_programmable(engine, it->tile, it->row, it->rows);
    if (wipe) {
      engine.program(it->tile, it->row,
                     std::vector<uint8_t>(size_t{it->rows} * catalog_.geometry().lanes, 0));
      set_access(it->tile, it->row, it->rows, RowAccess::kMine);  // programming claimed them
    }
    // Give back the rows this owner holds (nobody's and released ones are free already).
    if (it->tile < access_.size()) {
      const auto& a = access_[it->tile];
      for_each_run(
          it->row, it->rows, [&](uint32_t r) { return a[r] == RowAccess::kMine; },
          [&](uint32_t first, uint32_t n) {
            engine.release_rows(it->tile, first, n);
            set_access(it->tile, first, n, RowAccess::kReleased);
          });
    }
    gone.push_back(*it);
    const auto at = it - blocks.begin();
    drop_block(it);
    it = blocks.begin() + at;
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

std::optional<Gap> NvmResidency::choose(const FreeRows& free, uint32_t rows, uint32_t from_tile,
                                        const std::set<uint32_t>* spread, Fit fit) {
  std::function<bool(uint32_t)> avoid;
  if (spread && !spread->empty()) avoid = [spread](uint32_t t) { return spread->count(t) != 0; };
  if (fit == Fit::kSpread) return free.worst_fit(rows, from_tile, avoid);
  return free.best_fit(rows, from_tile, avoid, fit == Fit::kDense);
}

bool NvmResidency::find_room(MvmEngine& engine, uint32_t rows, std::pair<uint32_t, uint32_t>* at,
                             const std::set<uint32_t>* spread, Fit fit) {
  const Geometry& g = catalog_.geometry();
  const bool ties_only = fit == Fit::kDense;
  const auto gap = choose(free_map(), rows, cursor_, spread, fit);
  if (!gap) return false;
  const auto& wear = wear_of(engine, gap->tile);
  auto window_wear = [&](uint32_t from) {
    return *std::max_element(wear.begin() + from, wear.begin() + from + rows);
  };
  uint32_t best_row = gap->row;
  if (ties_only) {
    // Dense placement: the gap's start or its end, whichever is less worn,
    // so the rest of the gap stays one run (as the plan on paper assumed).
    const uint32_t end = gap->row + gap->rows - rows;
    if (window_wear(end) < window_wear(gap->row)) best_row = end;
  } else {
    // The least-worn window of `rows` rows in the gap: sliding maximum.
    // Worn-out rows are never in a gap, so every window is usable.
    uint64_t best = kWornOut;
    std::deque<uint32_t> maxq;  // row indices, wear decreasing
    for (uint32_t r = gap->row; r < gap->row + gap->rows; ++r) {
      while (!maxq.empty() && wear[maxq.back()] <= wear[r]) maxq.pop_back();
      maxq.push_back(r);
      if (maxq.front() + rows <= r) maxq.pop_front();
      if (r + 1 >= gap->row + rows && wear[maxq.front()] < best) {
        best = wear[maxq.front()];
        best_row = r + 1 - rows;
      }
    }
  }
  *at = {gap->tile, best_row};
  cursor_ = (gap->tile + 1) % g.tiles;
  return true;
}

bool NvmResidency::evict_one(const std::string& why) {
  auto& blocks = catalog_.blocks();
  auto victim = blocks.end();
  for (auto it = blocks.begin(); it != blocks.end(); ++it)
    if (it->last_used < catalog_.generation() &&                     // never this run's own blocks
        (use_of(*it) == Use::kOwn || use_of(*it) == Use::kStale) &&  // nor another owner's
        (victim == blocks.end() || it->last_used < victim->last_used))
      victim = it;
  if (victim == blocks.end()) return false;
  log_(fmt::format("NVM full ({}): evicting '{}' ({}) from tile {} rows {}..{}", why, victim->label,
                   victim->hash.substr(0, 12), victim->tile, victim->row,
                   victim->row + victim->rows - 1));
  drop_block(victim);
  ++counters_.blocks_evicted;
  return true;
}

std::optional<std::pair<uint32_t, uint32_t>> NvmResidency::find_resident(
    MvmEngine& engine, std::span<const uint8_t> rows, const std::string& hash, uint32_t n) {
  load_access(engine);
  auto& blocks = catalog_.blocks();
  // Several owners may each hold a copy: this owner's first, then one shared
  // read-only by another; one on another owner's unshared rows is theirs
  // (kept, skipped) and one on released rows is out of date (dropped).
  std::set<std::pair<uint32_t, uint32_t>> tried;
  for (;;) {
    auto it = blocks.end();
    for (auto b = blocks.begin(); b != blocks.end(); ++b) {
      if (b->hash != hash || b->rows != n || tried.count({b->tile, b->row})) continue;
      const Use use = use_of(*b);
      if (use == Use::kForeign) continue;
      if (use == Use::kStale || it == blocks.end() ||
          (use == Use::kOwn && use_of(*it) != Use::kOwn))
        it = b;
      if (use == Use::kStale) break;
    }
    if (it == blocks.end()) return std::nullopt;
    const Use use = use_of(*it);
    if (use == Use::kStale) {
      log_(fmt::format(
          "catalogued block '{}' ({}) at tile {} row {}: its rows were released; programming it "
          "again",
          it->label, hash.substr(0, 12), it->tile, it->row));
      drop_block(it);
      ++counters_.blocks_stale;
      continue;
    }
    tried.insert({it->tile, it->row});
    bool same = !verify_found_ || verified_.count({it->tile, it->row}) != 0;
    bool denied = false;
    if (!same) {
      std::vector<uint8_t> back(rows.size());
      try {
        engine.read(it->tile, it->row, back);
        same = std::equal(back.begin(), back.end(), rows.begin());
      } catch (const UncorrectableError& e) {
        log_(fmt::format("catalogued block '{}': {}", it->label, e.what()));
      } catch (const RowDeniedError& e) {
        // The rows changed hands since their access was read: learn it again.
        log_(fmt::format("catalogued block '{}': {}", it->label, e.what()));
        reload_access(engine, it->tile);
        denied = true;
      }
    }
    if (denied) continue;
    if (!same && use == Use::kReadable) {
      log_(fmt::format(
          "catalogued block '{}' ({}) at tile {} row {}, shared by {}, does not hold its bytes; "
          "programming a copy",
          it->label, hash.substr(0, 12), it->tile, it->row,
          it->owner.empty() ? "another owner" : it->owner));
      continue;
    }
    if (!same) {
      log_(
          fmt::format("catalogued block '{}' ({}) at tile {} row {} no longer holds its bytes; "
                      "programming it again",
                      it->label, hash.substr(0, 12), it->tile, it->row));
      drop_block(it);
      ++counters_.blocks_stale;
      return std::nullopt;
    }
    if (use == Use::kOwn && it->tile < access_.size()) {
      // Reading claimed rows nobody held; this owner's block now.
      for (uint32_t r = it->row; r < it->row + n; ++r)
        if (access_[it->tile][r] == RowAccess::kFree) access_[it->tile][r] = RowAccess::kMine;
      if (const std::string me = owner_at(engine, it->tile); !me.empty() && it->owner != me) {
        it->owner = me;
        dirty_ = true;
      }
      if (share_constants_) {
        const auto& a = access_[it->tile];
        if (std::any_of(a.begin() + it->row, a.begin() + it->row + n,
                        [](RowAccess x) { return x == RowAccess::kMine; })) {
          engine.share_rows(it->tile, it->row, n, true);
          set_access(it->tile, it->row, n, RowAccess::kMineShared);
        }
      }
    }
    verified_.insert({it->tile, it->row});
    dirty_ = dirty_ || it->last_used != catalog_.generation();
    it->last_used = catalog_.generation();
    ++counters_.blocks_found;
    counters_.rows_found += n;
    return std::pair{it->tile, it->row};
  }
}

std::pair<uint32_t, uint32_t> NvmResidency::program_at(
    MvmEngine& engine, std::span<const uint8_t> rows, std::pair<uint32_t, uint32_t> at,
    const std::string& label, const std::string& hash, bool constant, const void* owner) {
  const Geometry& g = catalog_.geometry();
  const auto n = static_cast<uint32_t>(rows.size() / g.lanes);
  const std::string why = fmt::format("'{}' needs {} rows", label, n);
  for (;;) {
    auto& wear = wear_of(engine, at.first);
    try {
      make_programmable(engine, at.first, at.second, n);
      engine.program(at.first, at.second, rows);
      for (uint32_t r = at.second; r < at.second + n; ++r) ++wear[r];
      break;
    } catch (const RowDeniedError& e) {
      // Another owner claimed rows since their access was read: learn the
      // tile's access again (its rows leave the free map) and place elsewhere.
      reload_access(engine, at.first);
      const auto& a = access_.at(at.first);
      if (std::none_of(a.begin() + at.second, a.begin() + at.second + n,
                       [](RowAccess x) { return is_foreign(x) || x == RowAccess::kMineShared; }))
        throw;  // the device refuses rows it says this owner may program
      log_(fmt::format("{}: {}; placing it elsewhere", label, e.what()));
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
          free_map().take(at.first, at.second + r, 1);
          log_(fmt::format("tile {} row {} is worn out ({} programs); not used again", at.first,
                           at.second + r, now[r]));
          break;
        }
      }
    }
    while (!find_room(engine, n, &at))
      if (!evict_one(why)) throw EngineError(no_room(label, n));
  }
  free_map().take(at.first, at.second, n);
  set_access(at.first, at.second, n, RowAccess::kMine);  // programming claimed them
  ++counters_.blocks_programmed;
  counters_.rows_programmed += n;
  if (constant) {
    if (share_constants_) {
      engine.share_rows(at.first, at.second, n, true);
      set_access(at.first, at.second, n, RowAccess::kMineShared);
    }
    catalog_.blocks().push_back(
        {hash, at.first, at.second, n, label, catalog_.generation(), owner_at(engine, at.first)});
    dirty_ = true;
    verified_.insert(at);
  } else {
    scratch_.push_back({at.first, at.second, n, owner});
  }
  return at;
}

std::pair<uint32_t, uint32_t> NvmResidency::place(MvmEngine& engine, std::span<const uint8_t> rows,
                                                  const std::string& label, bool constant,
                                                  const void* owner,
                                                  const std::set<uint32_t>* spread) {
  std::lock_guard lock(mu_);
  const Geometry& g = catalog_.geometry();
  if (rows.empty() || rows.size() % g.lanes != 0)
    throw EngineError(fmt::format("{}: block is not whole rows of {} lanes", label, g.lanes));
  const auto n = static_cast<uint32_t>(rows.size() / g.lanes);
  if (n > g.nvm_rows)
    throw EngineError(
        fmt::format("{}: block of {} rows is larger than a tile ({} rows)", label, n, g.nvm_rows));
  load_access(engine);
  std::string hash;
  if (constant) {
    hash = content_hash(rows);
    if (auto at = find_resident(engine, rows, hash, n)) return *at;
  }
  std::pair<uint32_t, uint32_t> at;
  const std::string why = fmt::format("'{}' needs {} rows", label, n);
  while (!find_room(engine, n, &at, spread))
    if (!evict_one(why)) throw EngineError(no_room(label, n));
  return program_at(engine, rows, at, label, hash, constant, owner);
}

NvmResidency::Shortfall NvmResidency::trial(std::span<const size_t> order,
                                            std::span<const Request> blocks,
                                            std::span<const uint32_t> sizes,
                                            const std::vector<std::string>& keep, bool spread) {
  // The placement on a copy of the free rows, choosing gaps as find_room
  // does and evicting (on paper) the least recently used blocks of earlier
  // processes as the real placement would, so a refusal changes nothing.
  FreeRows copy = free_map();
  std::vector<const ResidentBlock*> evictable;
  for (const ResidentBlock& b : catalog_.blocks())
    if (b.last_used < catalog_.generation() &&                   // blocks this model reuses stay
        (use_of(b) == Use::kOwn || use_of(b) == Use::kStale) &&  // never another owner's
        std::find(keep.begin(), keep.end(), b.hash) == keep.end())
      evictable.push_back(&b);
  std::stable_sort(evictable.begin(), evictable.end(),
                   [](auto* a, auto* b) { return a->last_used < b->last_used; });
  Shortfall out;
  for (auto* b : evictable) out.evictable_rows += b->rows;
  out.free_rows = copy.free_rows();
  out.foreign_rows = foreign_rows();
  std::map<size_t, std::set<uint32_t>> group_tiles;
  uint32_t cursor = cursor_;
  size_t next_victim = 0;
  for (size_t i : order) {
    const uint32_t n = sizes[i];
    out.rows_needed += n;
    const auto& used = group_tiles[blocks[i].group];
    const Fit fit = spread ? Fit::kSpread : Fit::kDense;
    std::optional<Gap> gap;
    while (!(gap = choose(copy, n, cursor, &used, fit)) && next_victim < evictable.size()) {
      const ResidentBlock* v = evictable[next_victim++];
      copy.give(v->tile, v->row, v->rows);
    }
    if (!gap) {
      out.rows_short += n;
      continue;
    }
    copy.take(gap->tile, gap->row, n);
    group_tiles[blocks[i].group].insert(gap->tile);
    cursor = (gap->tile + 1) % catalog_.geometry().tiles;
  }
  return out;
}

std::vector<size_t> NvmResidency::to_place(std::span<const Request> blocks,
                                           std::vector<std::string>& hashes,
                                           std::vector<uint32_t>& sizes) const {
  const Geometry& g = catalog_.geometry();
  hashes.assign(blocks.size(), {});
  sizes.assign(blocks.size(), 0);
  std::set<std::string> seen;
  std::vector<size_t> todo;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& rows = blocks[i].rows;
    if (rows.empty() || rows.size() % g.lanes != 0 || rows.size() / g.lanes > g.nvm_rows)
      throw EngineError(fmt::format("{}: block of {} bytes is not 1..{} whole rows of {} lanes",
                                    blocks[i].label, rows.size(), g.nvm_rows, g.lanes));
    sizes[i] = static_cast<uint32_t>(rows.size() / g.lanes);
    hashes[i] = content_hash(rows);
    if (!seen.insert(hashes[i]).second) continue;  // identical blocks share rows
    // A catalogued block needs no new rows: if its rows turn out stale, it
    // is reprogrammed into those same rows' worth.
    // Another owner's copy counts only when shared read-only.
    const auto& cat = catalog_.blocks();
    if (std::none_of(cat.begin(), cat.end(), [&](const ResidentBlock& b) {
          return b.hash == hashes[i] && b.rows == sizes[i] &&
                 (use_of(b) == Use::kOwn || use_of(b) == Use::kReadable);
        }))
      todo.push_back(i);
  }
  // Largest first, into the shortest gap: best fit decreasing.
  std::stable_sort(todo.begin(), todo.end(),
                   [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
  return todo;
}

NvmResidency::Shortfall NvmResidency::shortfall(MvmEngine& engine,
                                                std::span<const Request> blocks) {
  std::lock_guard lock(mu_);
  load_access(engine);
  std::vector<std::string> hashes;
  std::vector<uint32_t> sizes;
  const std::vector<size_t> todo = to_place(blocks, hashes, sizes);
  return trial(todo, blocks, sizes, hashes, /*spread=*/false);
}

std::string NvmResidency::Shortfall::describe(const Geometry& g) const {
  return fmt::format(
      "the weights do not fit the device's NVM: they need {} more rows, {} rows are free (and {} "
      "more held by other models' blocks that may be evicted{}) of {} ({} tiles x {} rows): {} "
      "rows ({} tiles' worth) short; run with --placement stream, on a larger device "
      "(sim://?preset=cnn; hycim info --presets) or on a device group (--device twice)",
      rows_needed, free_rows, evictable_rows,
      foreign_rows ? fmt::format("; {} held by other owners, never evicted", foreign_rows) : "",
      uint64_t{g.tiles} * g.nvm_rows, g.tiles, g.nvm_rows, rows_short,
      (rows_short + g.nvm_rows - 1) / g.nvm_rows);
}

std::vector<std::optional<std::pair<uint32_t, uint32_t>>> NvmResidency::place_all(
    MvmEngine& engine, std::span<const Request> blocks, bool all_or_nothing) {
  std::lock_guard lock(mu_);
  load_access(engine);
  std::vector<std::string> hashes;
  std::vector<uint32_t> sizes;
  std::vector<size_t> todo = to_place(blocks, hashes, sizes);
  // Spread each matrix's blocks over tiles of their own (they run side by
  // side) when that fits; else pack densely (best fit decreasing), as long
  // as that fits.
  const bool spread = trial(todo, blocks, sizes, hashes, true).rows_short == 0;
  if (all_or_nothing && !spread)
    if (const Shortfall s = trial(todo, blocks, sizes, hashes, false); s.rows_short > 0)
      throw EngineError(s.describe(catalog_.geometry()));
  std::vector<std::optional<std::pair<uint32_t, uint32_t>>> at(blocks.size());
  std::map<std::string, size_t> first_of_hash;
  std::vector<size_t> rest;  // found blocks first: they keep their rows
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (!first_of_hash.emplace(hashes[i], i).second) continue;
    if (std::find(todo.begin(), todo.end(), i) != todo.end()) continue;
    if (!(at[i] = find_resident(engine, blocks[i].rows, hashes[i], sizes[i])))
      rest.push_back(i);  // stale: programmed again below
  }
  todo.insert(todo.end(), rest.begin(), rest.end());
  std::map<size_t, std::set<uint32_t>> group_tiles;  // tiles each group already uses
  for (size_t i = 0; i < blocks.size(); ++i)
    if (at[i]) group_tiles[blocks[i].group].insert(at[i]->first);
  for (size_t i : todo) {
    std::pair<uint32_t, uint32_t> where;
    const std::string why = fmt::format("'{}' needs {} rows", blocks[i].label, sizes[i]);
    auto& used = group_tiles[blocks[i].group];
    bool room = false;
    while (
        !(room = find_room(engine, sizes[i], &where, &used, spread ? Fit::kSpread : Fit::kDense)) &&
        evict_one(why)) {
    }
    if (room) {
      at[i] = program_at(engine, blocks[i].rows, where, blocks[i].label, hashes[i], true, nullptr);
      used.insert(at[i]->first);
    } else if (all_or_nothing)  // the trial fitted; worn rows found while programming did not
      throw EngineError(fmt::format("{}: no tile has {} free NVM rows that are not worn out",
                                    blocks[i].label, sizes[i]));
  }
  for (size_t i = 0; i < blocks.size(); ++i)
    if (!at[i]) at[i] = at[first_of_hash.at(hashes[i])];  // a copy, or nullopt
  return at;
}

std::vector<Gap> NvmResidency::reserve_tiles(MvmEngine& engine, uint32_t tiles, const void* owner) {
  std::lock_guard lock(mu_);
  load_access(engine);
  const Geometry& g = catalog_.geometry();
  tiles = std::min(tiles, g.tiles);
  const uint32_t first = g.tiles - tiles;
  auto& blocks = catalog_.blocks();
  for (auto it = blocks.begin(); it != blocks.end();) {
    if (it->tile < first || use_of(*it) == Use::kForeign || use_of(*it) == Use::kReadable) {
      ++it;  // another owner's rows stay theirs (and out of the free map)
      continue;
    }
    if (it->last_used >= catalog_.generation())
      throw EngineError(fmt::format(
          "cannot stream weights through tiles {}..{}: '{}' of this process is resident on tile "
          "{}",
          first, g.tiles - 1, it->label, it->tile));
    log_(fmt::format("streaming through tiles {}..{}: evicting '{}' from tile {} rows {}..{}",
                     first, g.tiles - 1, it->label, it->tile, it->row, it->row + it->rows - 1));
    ++counters_.blocks_evicted;
    const auto at = it - blocks.begin();
    drop_block(it);
    it = blocks.begin() + at;
  }
  for (const Span& s : scratch_)
    if (s.tile >= first)
      throw EngineError(
          fmt::format("cannot stream weights through tile {}: it holds scratch rows", s.tile));
  FreeRows& f = free_map();
  std::vector<Gap> out;
  for (uint32_t t = first; t < g.tiles; ++t) {
    for (const Gap& gap : f.gaps(t)) {
      make_programmable(engine, gap.tile, gap.row, gap.rows);  // evicted shared blocks
      f.take(gap.tile, gap.row, gap.rows);
      scratch_.push_back({gap.tile, gap.row, gap.rows, owner});
      out.push_back(gap);
    }
  }
  return out;
}

void NvmResidency::set_member_owners(std::vector<std::pair<uint32_t, std::string>> owners) {
  std::lock_guard lock(mu_);
  member_owners_ = std::move(owners);
}

std::string NvmResidency::owner_at(const MvmEngine& engine, uint32_t tile) const {
  const std::string* found = nullptr;
  for (const auto& [first, owner] : member_owners_)
    if (first <= tile) found = &owner;
  return found ? *found : engine.owner();
}

}  // namespace hycim::cim
