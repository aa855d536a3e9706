// CRC-32C: the standard check value and piecewise chaining, which shard and
// staging checks rely on.
#include <gtest/gtest.h>

#include <string>

#include "runtime/data/crc32c.hpp"

namespace hycim::data {
namespace {

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(DataCrc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
  EXPECT_EQ(crc32c(bytes("")), 0u);
}

TEST(DataCrc32c, ChainsOverPieces) {
  std::string s(1000, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7 + 3);
  const uint32_t whole = crc32c(bytes(s));
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 500u, 999u, 1000u})
    EXPECT_EQ(crc32c(bytes(s.substr(cut)), crc32c(bytes(s.substr(0, cut)))), whole) << cut;
}

}  // namespace
}  // namespace hycim::data
