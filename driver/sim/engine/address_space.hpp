// What the simulated device's DMA port sees: the engine's own ring memory at
// a fixed IOVA plus the buffers of the one context whose commands are in the
// device right now. Every other context's memory is simply absent, so even a
// DMA the windows let through cannot reach it.
#pragma once
#include <cstdint>
#include <map>

namespace hycim::driver {

struct Region {
  uint64_t iova = 0;
  uint64_t size = 0;
  uint8_t* ptr = nullptr;
};

class AddressSpace {
 public:
  using Regions = std::map<uint64_t, Region>;  // by iova

  void set_ring(Region ring) { ring_ = ring; }
  void set_active(const Regions* regions) { active_ = regions; }
  // Host pointer for [addr, addr + len) if it lies inside one region, else null.
  uint8_t* resolve(uint64_t addr, uint64_t len) const;

 private:
  static uint8_t* inside(const Region& r, uint64_t addr, uint64_t len);
  Region ring_;
  const Regions* active_ = nullptr;
};

inline uint8_t* AddressSpace::inside(const Region& r, uint64_t addr, uint64_t len) {
  if (addr < r.iova || addr - r.iova > r.size || len > r.size - (addr - r.iova)) return nullptr;
  return r.ptr + (addr - r.iova);
}

inline uint8_t* AddressSpace::resolve(uint64_t addr, uint64_t len) const {
  if (uint8_t* p = inside(ring_, addr, len)) return p;
  if (!active_) return nullptr;
  auto it = active_->upper_bound(addr);
  if (it == active_->begin()) return nullptr;
  return inside(std::prev(it)->second, addr, len);
}

}  // namespace hycim::driver
