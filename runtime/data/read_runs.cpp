#include "runtime/data/read_runs.hpp"

#include <algorithm>

namespace hycim::data {

uint64_t ReadRun::end() const {
  uint64_t e = 0;
  for (const auto& p : items) e = std::max(e, p.ref.end());
  return e;
}

std::vector<SampleRef> ReadRun::refs() const {
  std::vector<SampleRef> out;
  for (const auto& p : items)
    if (out.empty() || out.back().offset != p.ref.offset) out.push_back(p.ref);
  return out;
}

std::vector<ReadRun> build_runs(std::vector<PendingRead> group, uint64_t max_gap,
                                uint64_t max_run) {
  std::sort(group.begin(), group.end(), [](const PendingRead& a, const PendingRead& b) {
    return a.ref.unit != b.ref.unit ? a.ref.unit < b.ref.unit : a.ref.offset < b.ref.offset;
  });
  std::vector<ReadRun> runs;
  for (size_t i = 0; i < group.size();) {
    ReadRun run{group[i].pos, {group[i]}};
    uint64_t end = group[i].ref.end();
    size_t j = i + 1;
    while (j < group.size() && group[j].ref.unit == group[i].ref.unit &&
           group[j].ref.offset <= end + max_gap &&
           std::max(end, group[j].ref.end()) - group[i].ref.offset <= max_run) {
      end = std::max(end, group[j].ref.end());
      run.first_pos = std::min(run.first_pos, group[j].pos);
      run.items.push_back(group[j++]);
    }
    runs.push_back(std::move(run));
    i = j;
  }
  return runs;
}

}  // namespace hycim::data
