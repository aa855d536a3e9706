// The SEC-DED codec of one NVM row: its parameters and H-matrix order against
// an independent construction, and every single and double error of a row
// corrected or detected.
#include "sim/nvm/secded.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

namespace hycim::nvm {
namespace {

using Outcome = Secded::Outcome;

// The H order written out differently: every odd vector of weight >= 3,
// sorted by (weight, value), the first k of them.
std::vector<uint32_t> reference_columns(uint32_t k, uint32_t r) {
  std::vector<uint32_t> all;
  for (uint32_t v = 0; v < (1u << r); ++v)
    if (std::popcount(v) >= 3 && std::popcount(v) % 2 == 1) all.push_back(v);
  std::stable_sort(all.begin(), all.end(),
                   [](uint32_t a, uint32_t b) { return std::popcount(a) < std::popcount(b); });
  all.resize(k);
  return all;
}

std::vector<uint8_t> random_word(const Secded& c, std::mt19937& rng) {
  std::vector<uint8_t> d(c.data_bytes());
  for (uint8_t& b : d) b = static_cast<uint8_t>(rng());
  return d;
}

// Flips codeword bit `pos`: 0..k-1 data, k..k+r-1 check.
void flip(const Secded& c, uint32_t pos, std::vector<uint8_t>& data, uint32_t& check) {
  if (pos < c.data_bits())
    data[pos / 8] ^= static_cast<uint8_t>(1u << (pos % 8));
  else
    check ^= 1u << (pos - c.data_bits());
}

TEST(Secded, CheckBitsFollowTheFormula) {
  const std::pair<uint32_t, uint32_t> expected[] = {{1, 3},    {8, 5},     {64, 8},   {256, 10},
                                                    {257, 10}, {1024, 12}, {4096, 14}};
  for (auto [k, r] : expected) {
    const Secded c(k);
    EXPECT_EQ(c.check_bits(), r) << "k=" << k;
    EXPECT_EQ(c.code_bits(), k + r) << "k=" << k;
    // Smallest r with 2^(r-1) - r >= k.
    EXPECT_GE((1u << (r - 1)) - r, k);
    EXPECT_LT((1u << (r - 2)) - (r - 1), k);
  }
  EXPECT_EQ(Secded(256).code_bits(), 266u);
}

TEST(Secded, ColumnsAreDistinctOddWeightInTheDefinedOrder) {
  for (uint32_t k : {1u, 8u, 64u, 256u, 257u, 1024u}) {
    const Secded c(k);
    const std::vector<uint32_t> ref = reference_columns(k, c.check_bits());
    std::set<uint32_t> seen;
    for (uint32_t i = 0; i < k; ++i) {
      const uint32_t col = c.column(i);
      ASSERT_EQ(col, ref[i]) << "k=" << k << " bit " << i;
      EXPECT_LT(col, 1u << c.check_bits());
      EXPECT_GE(std::popcount(col), 3);
      EXPECT_EQ(std::popcount(col) % 2, 1);
      EXPECT_TRUE(seen.insert(col).second) << "k=" << k << " bit " << i;
    }
    EXPECT_THROW(c.column(k), std::out_of_range);
  }
  EXPECT_EQ(Secded(1).column(0), 0b111u);
  // k=256, r=10: C(10,3) = 120 weight-3 columns, then weight 5 from 0b11111.
  EXPECT_EQ(Secded(256).column(119), 0b1110000000u);
  EXPECT_EQ(Secded(256).column(120), 0b11111u);
}

TEST(Secded, HardwareFigures) {
  const Secded c(256);
  // 120 columns of weight 3 and 136 of weight 5.
  EXPECT_EQ(c.syndrome_xor_gates(), 120u * 3 + 136u * 5);
  EXPECT_EQ(c.corrector_and_gates(), 256u);
  uint32_t ones = 0;
  for (uint32_t j = 0; j < c.check_bits(); ++j) {
    uint32_t row = 0;
    for (uint32_t i = 0; i < c.data_bits(); ++i) row += (c.column(i) >> j) & 1;
    ones += (row + 1) - 1;
  }
  EXPECT_EQ(c.syndrome_xor_gates(), ones);
}

TEST(Secded, RejectsBadArguments) {
  EXPECT_THROW(Secded(0), std::invalid_argument);
  EXPECT_THROW(Secded(4097), std::invalid_argument);
  const Secded c(257);
  std::vector<uint8_t> short_word(32), long_word(34), word(33);
  EXPECT_THROW(c.encode(short_word), std::invalid_argument);
  EXPECT_THROW(c.encode(long_word), std::invalid_argument);
  uint32_t check = 0;
  EXPECT_THROW(c.decode(short_word, check), std::invalid_argument);
  check = 1u << 10;
  EXPECT_THROW(c.decode(word, check), std::invalid_argument);
}

TEST(Secded, EncodeIsLinear) {
  std::mt19937 rng(7);
  for (uint32_t k : {1u, 13u, 256u, 1024u}) {
    const Secded c(k);
    EXPECT_EQ(c.encode(std::vector<uint8_t>(c.data_bytes(), 0)), 0u);
    for (uint32_t i = 0; i < k; ++i) {
      std::vector<uint8_t> one(c.data_bytes(), 0);
      one[i / 8] = static_cast<uint8_t>(1u << (i % 8));
      ASSERT_EQ(c.encode(one), c.column(i)) << "k=" << k << " bit " << i;
    }
    for (int n = 0; n < 50; ++n) {
      std::vector<uint8_t> a = random_word(c, rng), b = random_word(c, rng), x(a.size());
      for (size_t i = 0; i < a.size(); ++i) x[i] = a[i] ^ b[i];
      EXPECT_EQ(c.encode(x), c.encode(a) ^ c.encode(b)) << "k=" << k;
    }
  }
}

TEST(Secded, BitsPastTheDataAreIgnoredAndKept) {
  const Secded c(13);
  std::vector<uint8_t> d = {0x5a, 0x13};
  std::vector<uint8_t> padded = {0x5a, 0x13 | 0xe0};
  EXPECT_EQ(c.encode(padded), c.encode(d));
  uint32_t check = c.encode(d);
  padded[1] ^= 1u << 4;  // data bit 12
  const Secded::Decoded r = c.decode(padded, check);
  EXPECT_EQ(r.outcome, Outcome::kCorrected);
  EXPECT_EQ(r.position, 12);
  EXPECT_EQ(padded[1], 0x13 | 0xe0);
}

TEST(Secded, OddSyndromeThatIsNoColumnIsUncorrectable) {
  const Secded c(256);
  std::mt19937 rng(3);
  std::vector<uint8_t> d = random_word(c, rng);
  const std::vector<uint8_t> orig = d;
  const uint32_t unused = reference_columns(c.data_bits() + 1, c.check_bits()).back();
  uint32_t check = c.encode(d) ^ unused;
  const uint32_t bad = check;
  const Secded::Decoded r = c.decode(d, check);
  EXPECT_EQ(r.outcome, Outcome::kUncorrectable);
  EXPECT_EQ(r.position, -1);
  EXPECT_EQ(d, orig);
  EXPECT_EQ(check, bad);
}

// For a few random words of k bits: clean decodes, every single error is
// corrected (at its position) and every pair of errors is detected and left.
void every_single_and_double_error(uint32_t k, uint32_t seed) {
  const Secded c(k);
  const uint32_t n = c.code_bits();
  std::mt19937 rng(seed);
  for (int word = 0; word < 3; ++word) {
    const std::vector<uint8_t> orig = random_word(c, rng);
    const uint32_t orig_check = c.encode(orig);
    std::vector<uint8_t> d = orig;
    uint32_t check = orig_check;
    Secded::Decoded r = c.decode(d, check);
    ASSERT_EQ(r.outcome, Outcome::kClean);
    ASSERT_EQ(r.position, -1);
    for (uint32_t a = 0; a < n; ++a) {
      flip(c, a, d, check);
      r = c.decode(d, check);
      ASSERT_EQ(r.outcome, Outcome::kCorrected) << "k=" << k << " bit " << a;
      ASSERT_EQ(r.position, static_cast<int32_t>(a));
      ASSERT_EQ(d, orig) << "k=" << k << " bit " << a;
      ASSERT_EQ(check, orig_check) << "k=" << k << " bit " << a;
    }
    for (uint32_t a = 0; a < n; ++a) {
      for (uint32_t b = a + 1; b < n; ++b) {
        flip(c, a, d, check);
        flip(c, b, d, check);
        std::vector<uint8_t> bad = d;
        const uint32_t bad_check = check;
        r = c.decode(d, check);
        ASSERT_EQ(r.outcome, Outcome::kUncorrectable) << "k=" << k << " bits " << a << "," << b;
        ASSERT_EQ(r.position, -1);
        ASSERT_EQ(d, bad);
        ASSERT_EQ(check, bad_check);
        flip(c, a, d, check);
        flip(c, b, d, check);
      }
    }
    ASSERT_EQ(d, orig);
  }
}

TEST(Secded, EverySingleAndDoubleErrorOfA256BitRow) {
  every_single_and_double_error(256, 1);
}
TEST(Secded, EverySingleAndDoubleErrorOfA13BitRow) {
  every_single_and_double_error(13, 2);
}
TEST(Secded, EverySingleAndDoubleErrorOfA257BitRow) {
  every_single_and_double_error(257, 4);
}

}  // namespace
}  // namespace hycim::nvm
