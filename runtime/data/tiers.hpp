// Two storage tiers: which samples can stay on the slow tier without ever
// stalling training, and which must be on the fast tier when training starts.
//
// Model (docs/data-cache.md, "Tier placement"): training step i starts at
// i * t_it and needs its batch then. The slow tier streams the samples placed
// on it one after another, in the order training first needs them, at b
// bytes/s, starting `lead` seconds before step 0. A sample first needed at
// position k (step i_k = k / B) may be slow iff
//     S_k + len_k <= b * (i_k * t_it + lead)
// where S_k is the bytes of the slow samples first needed before it (b is
// the measured bandwidth times usable_fraction). The plan
// walks first needs in order and puts a sample on the slow tier whenever the
// inequality holds (the greedy keeps the slow stream as early and full as the
// bandwidth allows); samples never needed within `iterations` steps are slow.
// In steady state that is a fraction f <= b * t_it / (B * mean_len) of the
// bytes each step consumes.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "runtime/data/dataset.hpp"
#include "runtime/data/source.hpp"

namespace hycim::data {

struct TierParams {
  uint32_t batch_size = 1;
  uint64_t iterations = 0;
  double iteration_s = 0;       // time of one training step
  double slow_bytes_per_s = 0;  // measured bandwidth of the slow tier
  double lead_s = 0;            // slow reads may start this early (e.g. during start-up)
  // Share of the measured bandwidth the plan counts on. At 1.0 the slow
  // stream must run flat out from time 0 and any pause stalls a step; 0.9
  // leaves 10% to catch up after scheduling or device jitter.
  double usable_fraction = 1.0;
};

struct TierPlan {
  std::vector<uint8_t> on_fast;  // per sample id
  uint64_t fast_bytes = 0, slow_bytes = 0;
  uint32_t fast_samples = 0, slow_samples = 0;
};

// consumption: this rank's ids in the order training takes them (epoch
// sequences concatenated); only the first iterations * batch_size count.
TierPlan plan_tiers(const SampleSource& src, std::span<const uint32_t> consumption,
                    const TierParams& p);

// Packs the plan's fast samples (same names and labels) as a dataset in fast_dir.
void place_fast_tier(PackedDataset& slow, const TierPlan& plan,
                     const std::filesystem::path& fast_dir);

// Serialises reads and spaces them so they never exceed bytes_per_s, like a
// device of that bandwidth would; 0 means unthrottled.
class Throttle {
 public:
  explicit Throttle(double bytes_per_s) : rate_(bytes_per_s) {}
  void charge(uint64_t bytes);

 private:
  double rate_;
  std::mutex mu_;
  double next_free_s_ = -1;
};

// Serves every sample from the fast tier when placed there, else from the
// slow tier through its throttle. Units: fast shards first, then slow shards.
class TieredSource : public SampleSource {
 public:
  TieredSource(PackedDataset& fast, PackedDataset& slow, double slow_bytes_per_s);
  uint32_t sample_count() const override { return slow_.sample_count(); }
  SampleRef locate(uint32_t id) const override;
  int32_t label(uint32_t id) const override { return slow_.label(id); }
  void read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) override;
  uint64_t slow_bytes_read() const { return slow_read_; }

 private:
  PackedDataset& fast_;
  PackedDataset& slow_;
  Throttle throttle_;
  std::vector<int64_t> fast_id_;  // slow id -> fast id, -1 when only on the slow tier
  std::atomic<uint64_t> slow_read_{0};
};

}  // namespace hycim::data
