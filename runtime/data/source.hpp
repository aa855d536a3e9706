// What the loader, the prefetch cache and the distributed cache read from: a
// set of samples stored in "units" (a shard file, a storage tier, a node).
// The cache groups its misses by unit and hands each sorted run here, so one
// large read replaces many small ones; the source checks every sample.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hycim::data {

struct SampleRef {
  uint32_t id;
  uint32_t unit;
  uint64_t offset;  // within the unit
  uint32_t length;
  uint64_t end() const { return offset + length; }
};

class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual uint32_t sample_count() const = 0;
  virtual SampleRef locate(uint32_t id) const = 0;
  virtual int32_t label(uint32_t id) const = 0;
  // Reads bytes [refs.front().offset, refs.back().end()) of one unit into dst
  // (exactly that size) and checks each sample in it; throws DataError naming
  // the file and the first bad sample. refs: one unit, ascending offsets.
  virtual void read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) = 0;
};

}  // namespace hycim::data
