// rtl/secded_codec.sv against the C++ codec (sim/nvm/secded.hpp), bit for bit:
// the H columns, and random rows with 0, 1 and 2 flipped bits through the
// encoder and decoder, at two row widths.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vsecded_codec_13.h"
#include "Vsecded_codec_256.h"
#include "sim/nvm/secded.hpp"
#include "sim/verilator/port_bits.hpp"

namespace hycim::nvm {
namespace {

using verilator::get_field;
using verilator::set_field;

// The Verilated codec for DATA_BITS = k; combinational, so eval() settles it.
template <class Top>
class RtlCodec {
 public:
  explicit RtlCodec(const Secded& c)
      : c_(c),
        ctx_(std::make_unique<VerilatedContext>()),
        top_(std::make_unique<Top>(ctx_.get())) {}
  RtlCodec(const RtlCodec&) = delete;
  RtlCodec& operator=(const RtlCodec&) = delete;
  ~RtlCodec() { top_->final(); }

  Top& drive(const std::vector<uint8_t>& data, uint32_t check) {
    for (uint32_t b = 0; b < c_.data_bytes(); ++b)
      set_field(top_->data, b * 8, std::min(8u, c_.data_bits() - b * 8), data[b]);
    top_->check = check;
    top_->eval();
    return *top_;
  }

  // data_fixed as the C++ packs it; bits past k come from `data`.
  std::vector<uint8_t> data_fixed(const std::vector<uint8_t>& data) const {
    std::vector<uint8_t> out = data;
    for (uint32_t b = 0; b < c_.data_bytes(); ++b) {
      const uint32_t n = std::min(8u, c_.data_bits() - b * 8);
      const uint32_t keep = data[b] & ~((1u << n) - 1);
      out[b] = static_cast<uint8_t>(keep | get_field(top_->data_fixed, b * 8, n));
    }
    return out;
  }

 private:
  const Secded& c_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<Top> top_;
};

template <class Top>
void columns_agree(uint32_t k) {
  const Secded c(k);
  RtlCodec<Top> rtl(c);
  for (uint32_t i = 0; i < k; ++i) {
    std::vector<uint8_t> one(c.data_bytes(), 0);
    one[i / 8] = static_cast<uint8_t>(1u << (i % 8));
    EXPECT_EQ(rtl.drive(one, 0).encoded, c.column(i)) << "k=" << k << " data bit " << i;
  }
}

// `cases` random rows, case n with n % 3 distinct flipped codeword bits.
template <class Top>
void random_rows_agree(uint32_t k, uint32_t seed, int cases) {
  const Secded c(k);
  RtlCodec<Top> rtl(c);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> pos(0, c.code_bits() - 1);
  int seen[3] = {0, 0, 0};  // clean, corrected, uncorrectable
  for (int n = 0; n < cases; ++n) {
    std::vector<uint8_t> data(c.data_bytes());
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    uint32_t check = c.encode(data);
    uint32_t flips[2] = {pos(rng), pos(rng)};
    while (flips[1] == flips[0]) flips[1] = pos(rng);
    for (int f = 0; f < n % 3; ++f) {
      const uint32_t p = flips[f];
      if (p < k)
        data[p / 8] ^= static_cast<uint8_t>(1u << (p % 8));
      else
        check ^= 1u << (p - k);
    }
    const Top& t = rtl.drive(data, check);
    const std::string what = "k=" + std::to_string(k) + " case " + std::to_string(n);
    ASSERT_EQ(t.encoded, c.encode(data)) << what;

    std::vector<uint8_t> fixed = data;
    uint32_t fixed_check = check;
    const Secded::Decoded d = c.decode(fixed, fixed_check);
    ASSERT_EQ(t.clean, d.outcome == Secded::Outcome::kClean) << what;
    ASSERT_EQ(t.corrected, d.outcome == Secded::Outcome::kCorrected) << what;
    ASSERT_EQ(t.uncorrectable, d.outcome == Secded::Outcome::kUncorrectable) << what;
    // The RTL's position is 0 where the C++ says -1 (nothing corrected).
    ASSERT_EQ(t.position, d.position < 0 ? 0u : static_cast<uint32_t>(d.position)) << what;
    ASSERT_EQ(rtl.data_fixed(data), fixed) << what;
    ASSERT_EQ(t.check_fixed, fixed_check) << what;
    ++seen[static_cast<int>(d.outcome)];
  }
  // 0 flips clean, 1 corrected, 2 uncorrectable: each a third of the cases.
  EXPECT_EQ(seen[0], (cases + 2) / 3);
  EXPECT_EQ(seen[1], (cases + 1) / 3);
  EXPECT_EQ(seen[2], cases / 3);
}

TEST(SecdedRtl, ColumnsAgree256) {
  columns_agree<Vsecded_codec_256>(256);
}
TEST(SecdedRtl, ColumnsAgree13) {
  columns_agree<Vsecded_codec_13>(13);
}
TEST(SecdedRtl, RandomRowsAgree256) {
  random_rows_agree<Vsecded_codec_256>(256, 11, 3000);
}
TEST(SecdedRtl, RandomRowsAgree13) {
  random_rows_agree<Vsecded_codec_13>(13, 12, 3000);
}

}  // namespace
}  // namespace hycim::nvm
