#include "runtime/data/tiers.hpp"

#include <chrono>
#include <thread>

#include "runtime/data/error.hpp"
#include "runtime/data/pack.hpp"

namespace hycim::data {

TierPlan plan_tiers(const SampleSource& src, std::span<const uint32_t> consumption,
                    const TierParams& p) {
  TierPlan plan;
  const uint32_t n = src.sample_count();
  plan.on_fast.assign(n, 0);
  std::vector<uint8_t> seen(n, 0);
  const uint64_t horizon = std::min<uint64_t>(consumption.size(), p.iterations * p.batch_size);
  uint64_t slow_stream = 0;  // S_k: bytes of slow samples first needed so far
  for (uint64_t k = 0; k < horizon; ++k) {
    const uint32_t id = consumption[k];
    if (seen[id]) continue;
    seen[id] = 1;
    const uint64_t len = src.locate(id).length;
    const double deadline = static_cast<double>(k / p.batch_size) * p.iteration_s + p.lead_s;
    if (static_cast<double>(slow_stream + len) <=
        p.slow_bytes_per_s * p.usable_fraction * deadline) {
      slow_stream += len;
    } else {
      plan.on_fast[id] = 1;
    }
  }
  for (uint32_t id = 0; id < n; ++id) {
    const uint64_t len = src.locate(id).length;
    (plan.on_fast[id] ? plan.fast_bytes : plan.slow_bytes) += len;
    (plan.on_fast[id] ? plan.fast_samples : plan.slow_samples) += 1;
  }
  return plan;
}

void place_fast_tier(PackedDataset& slow, const TierPlan& plan,
                     const std::filesystem::path& fast_dir) {
  std::vector<PackItem> items;
  for (uint32_t id = 0; id < slow.sample_count(); ++id) {
    if (!plan.on_fast.at(id)) continue;
    items.push_back({slow.name(id), slow.label(id), slow.entry(id).length,
                     [&slow, id](std::span<std::byte> dst) {
                       SampleRef r = slow.locate(id);
                       slow.read_run(std::span(&r, 1), dst);
                     }});
  }
  pack_items(std::move(items), slow.label_names(), fast_dir);
}

void Throttle::charge(uint64_t bytes) {
  if (rate_ <= 0) return;
  using clock = std::chrono::steady_clock;
  const double now = std::chrono::duration<double>(clock::now().time_since_epoch()).count();
  double done;
  {
    std::lock_guard lk(mu_);
    const double start = std::max(now, next_free_s_);
    next_free_s_ = done = start + static_cast<double>(bytes) / rate_;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(done - now));
}

TieredSource::TieredSource(PackedDataset& fast, PackedDataset& slow, double slow_bytes_per_s)
    : fast_(fast), slow_(slow), throttle_(slow_bytes_per_s), fast_id_(slow.sample_count(), -1) {
  std::unordered_map<std::string, uint32_t> by_name;
  for (uint32_t id = 0; id < slow.sample_count(); ++id) by_name.emplace(slow.name(id), id);
  for (uint32_t f = 0; f < fast.sample_count(); ++f) {
    auto it = by_name.find(fast.name(f));
    if (it == by_name.end())
      throw DataError(fast.generation_dir().string(), f,
                      "fast tier holds a sample the slow tier lacks");
    fast_id_[it->second] = f;
  }
}

SampleRef TieredSource::locate(uint32_t id) const {
  const int64_t f = fast_id_.at(id);
  if (f >= 0) {
    SampleRef r = fast_.locate(static_cast<uint32_t>(f));
    return {id, r.unit, r.offset, r.length};
  }
  SampleRef r = slow_.locate(id);
  return {id, r.unit + static_cast<uint32_t>(fast_.shards().size()), r.offset, r.length};
}

void TieredSource::read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) {
  const auto fast_units = static_cast<uint32_t>(fast_.shards().size());
  std::vector<SampleRef> local(refs.begin(), refs.end());
  if (refs.front().unit < fast_units) {
    for (auto& r : local) r.id = static_cast<uint32_t>(fast_id_[r.id]);
    fast_.read_run(local, dst);
    return;
  }
  for (auto& r : local) r.unit -= fast_units;
  throttle_.charge(dst.size());
  slow_read_ += dst.size();
  slow_.read_run(local, dst);
}

}  // namespace hycim::data
