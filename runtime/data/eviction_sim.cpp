#include "runtime/data/eviction_sim.hpp"

#include <limits>
#include <list>
#include <set>
#include <vector>

namespace hycim::data {

namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

HitCount clairvoyant(std::span<const uint32_t> acc, std::span<const uint32_t> sizes, uint64_t cap,
                     uint64_t count_from) {
  // next[k]: the position of the next access to acc[k]'s id, kNever if none.
  std::vector<uint64_t> next(acc.size()), last(sizes.size(), kNever);
  for (uint64_t k = acc.size(); k-- > 0;) {
    next[k] = last[acc[k]];
    last[acc[k]] = k;
  }
  std::set<std::pair<uint64_t, uint32_t>> cached;   // (next use, id)
  std::vector<uint64_t> key(sizes.size(), kNever);  // id's next use while cached
  std::vector<uint8_t> in(sizes.size(), 0);
  uint64_t used = 0;
  HitCount h;
  for (uint64_t k = 0; k < acc.size(); ++k) {
    const uint32_t id = acc[k];
    const bool hit = in[id];
    if (k >= count_from) h.accesses++, h.hits += hit;
    if (hit) {
      cached.erase({key[id], id});
      in[id] = 0;
      used -= sizes[id];
    }
    if (next[k] == kNever || sizes[id] > cap) continue;
    while (used + sizes[id] > cap && prev(cached.end())->first > next[k]) {
      auto far = prev(cached.end());
      used -= sizes[far->second];
      in[far->second] = 0;
      cached.erase(far);
    }
    if (used + sizes[id] > cap) continue;  // everything cached is needed sooner
    cached.insert({next[k], id});
    key[id] = next[k];
    in[id] = 1;
    used += sizes[id];
  }
  return h;
}

HitCount lru(std::span<const uint32_t> acc, std::span<const uint32_t> sizes, uint64_t cap,
             uint64_t count_from) {
  std::list<uint32_t> order;  // most recent first
  std::vector<std::list<uint32_t>::iterator> where(sizes.size(), order.end());
  uint64_t used = 0;
  HitCount h;
  for (uint64_t k = 0; k < acc.size(); ++k) {
    const uint32_t id = acc[k];
    const bool hit = where[id] != order.end();
    if (k >= count_from) h.accesses++, h.hits += hit;
    if (hit) {
      order.splice(order.begin(), order, where[id]);
      continue;
    }
    if (sizes[id] > cap) continue;
    while (used + sizes[id] > cap) {
      used -= sizes[order.back()];
      where[order.back()] = order.end();
      order.pop_back();
    }
    order.push_front(id);
    where[id] = order.begin();
    used += sizes[id];
  }
  return h;
}

}  // namespace

HitCount simulate_cache(std::span<const uint32_t> accesses, std::span<const uint32_t> sizes,
                        uint64_t capacity_bytes, EvictionPolicy policy, uint64_t count_from) {
  return policy == EvictionPolicy::clairvoyant
             ? clairvoyant(accesses, sizes, capacity_bytes, count_from)
             : lru(accesses, sizes, capacity_bytes, count_from);
}

}  // namespace hycim::data
