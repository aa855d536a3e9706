// Moving lane vectors in and out of Verilated ports and signals of any width:
// CData/SData/IData/QData integers up to 64 bits, VlWide<N> arrays of 32-bit
// words above that. Lane l occupies bits [l*bits, (l+1)*bits).
#pragma once
#include <verilated.h>

#include <cstdint>
#include <type_traits>

namespace hycim::verilator {

template <class Port>
uint32_t port_word(const Port& p, unsigned i) {
  if constexpr (std::is_integral_v<Port>)
    return i * 32 < sizeof(Port) * 8 ? static_cast<uint32_t>(uint64_t(p) >> (32 * i)) : 0;
  else
    return p[i];
}

template <class Port>
void set_port_word(Port& p, unsigned i, uint32_t w) {
  if constexpr (std::is_integral_v<Port>) {
    if (i * 32 >= sizeof(Port) * 8) return;
    const uint64_t mask = uint64_t{0xffffffffu} << (32 * i);
    p = static_cast<Port>((uint64_t(p) & ~mask) | (uint64_t{w} << (32 * i)));
  } else {
    p[i] = w;
  }
}

// Reads `bits` bits (<= 32) starting at bit `pos`.
template <class Port>
uint32_t get_field(const Port& p, unsigned pos, unsigned bits) {
  const unsigned w = pos / 32, o = pos % 32;
  uint64_t v = port_word(p, w) >> o;
  if (o + bits > 32) v |= uint64_t{port_word(p, w + 1)} << (32 - o);
  return static_cast<uint32_t>(v & ((uint64_t{1} << bits) - 1));
}

// Writes `bits` bits (<= 32) starting at bit `pos`.
template <class Port>
void set_field(Port& p, unsigned pos, unsigned bits, uint32_t value) {
  const unsigned w = pos / 32, o = pos % 32;
  const uint64_t mask = ((uint64_t{1} << bits) - 1) << o;
  const uint64_t v = (uint64_t{value} << o) & mask;
  const bool spans = o + bits > 32;  // only then is word w+1 touched (it may not exist)
  uint64_t pair = port_word(p, w) | (spans ? uint64_t{port_word(p, w + 1)} << 32 : 0);
  pair = (pair & ~mask) | v;
  set_port_word(p, w, static_cast<uint32_t>(pair));
  if (spans) set_port_word(p, w + 1, static_cast<uint32_t>(pair >> 32));
}

}  // namespace hycim::verilator
