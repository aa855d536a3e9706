#include "sim/tile/tile_reference.hpp"

namespace hycim::tile::reference {

int64_t lane_value(uint8_t raw, unsigned bits, bool is_signed) {
  int64_t v = raw & ((1u << bits) - 1);
  if (is_signed && v >= (int64_t{1} << (bits - 1))) v -= int64_t{1} << bits;
  return v;
}

std::vector<int64_t> mvm(const std::vector<std::vector<int64_t>>& w,
                         const std::vector<int64_t>& x) {
  const size_t lanes = w.empty() ? 0 : w[0].size();
  std::vector<int64_t> y(lanes, 0);
  for (size_t l = 0; l < lanes; ++l)
    for (size_t k = 0; k < x.size(); ++k) y[l] += x[k] * w[k][l];
  return y;
}

std::vector<int64_t> mvm_bit_serial(const std::vector<std::vector<int64_t>>& w,
                                    const std::vector<uint8_t>& x_raw, unsigned xbits,
                                    bool xsigned) {
  const size_t lanes = w.empty() ? 0 : w[0].size();
  std::vector<int64_t> acc(lanes, 0);
  for (int b = static_cast<int>(xbits) - 1; b >= 0; --b) {
    const bool subtract = xsigned && b == static_cast<int>(xbits) - 1;
    for (size_t l = 0; l < lanes; ++l) {
      int64_t plane = 0;  // what the lane adder sums over the raised word lines
      for (size_t k = 0; k < x_raw.size(); ++k)
        if ((x_raw[k] >> b) & 1) plane += w[k][l];
      acc[l] = 2 * acc[l] + (subtract ? -plane : plane);
    }
  }
  return acc;
}

std::vector<int64_t> emul(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> p(a.size());
  for (size_t l = 0; l < a.size(); ++l) p[l] = a[l] * b[l];
  return p;
}

}  // namespace hycim::tile::reference
