// The contents a test expects in a row after its wear-th write, shared by the
// tests and the child writer process: a row whose bytes equal
// row_pattern(tile, row, wear(tile, row)) is whole, and any torn or misplaced
// write shows up as a mismatch.
#pragma once
#include <cstdint>
#include <vector>

namespace hycim::nvm::test {

inline std::vector<uint8_t> row_pattern(uint32_t tile, uint32_t row, uint64_t wear,
                                        uint32_t row_bytes) {
  std::vector<uint8_t> out(row_bytes, 0);  // wear 0: a freshly created row
  if (wear == 0) return out;
  uint64_t x = (uint64_t{tile} << 48) ^ (uint64_t{row} << 24) ^ wear;
  for (uint8_t& b : out) {  // splitmix64: every byte depends on tile, row and wear
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    b = static_cast<uint8_t>(z ^ (z >> 31));
  }
  return out;
}

// The same for a row that may live on a spare: the contents also depend on the
// physical row holding them, so a row read from the wrong place never passes.
inline std::vector<uint8_t> placed_pattern(uint32_t tile, uint32_t row, uint32_t physical_row,
                                           uint64_t wear, uint32_t row_bytes) {
  return row_pattern(tile, row, wear == 0 ? 0 : (uint64_t{physical_row} << 32) ^ wear, row_bytes);
}

}  // namespace hycim::nvm::test
