// The wire parser on its own: every malformed corpus case is refused with a
// reason, every well-formed request of every type is accepted, and replies
// are checked against the request they answer.
#include <gtest/gtest.h>

#include <cstring>

#include "driver/lib/wire/protocol.hpp"
#include "tests/driver/malformed_messages.hpp"

namespace hycim::driver::wire {
namespace {

std::vector<uint8_t> build(Type t, uint32_t tag, size_t payload) {
  std::vector<uint8_t> m(sizeof(Header) + payload, 0);
  const Header h{kMagic, kVersion, static_cast<uint16_t>(t), tag, static_cast<uint32_t>(payload)};
  std::memcpy(m.data(), &h, sizeof h);
  return m;
}

TEST(DriverWire, MalformedCorpusIsRefused) {
  for (const auto& m : test::malformed_messages()) {
    // More than kMaxFds is refused by the channel (receive_message) before
    // the parser runs.
    if (m.fds > static_cast<int>(kMaxFds)) continue;
    Request r;
    std::string why;
    EXPECT_FALSE(parse_request(m.bytes, m.fds, &r, &why)) << m.name;
    EXPECT_FALSE(why.empty()) << m.name;
  }
}

TEST(DriverWire, EveryRequestTypeParses) {
  for (uint16_t t = 1; t <= static_cast<uint16_t>(kLastRequest); ++t) {
    const Type type = static_cast<Type>(t);
    auto m = build(type, 9, request_size(type));
    if (type == Type::kAddQueue) m[sizeof(Header)] = 4;
    Request r;
    std::string why;
    ASSERT_TRUE(parse_request(m, request_fds(type), &r, &why)) << t << ": " << why;
    EXPECT_EQ(r.type, type);
    EXPECT_EQ(r.tag, 9u);
    EXPECT_FALSE(parse_request(m, request_fds(type) + 1, &r, &why)) << t;
  }
}

TEST(DriverWire, RepliesMustMatchTheirRequest) {
  std::string why;
  auto ok = build(Type::kReply, 5, reply_size(Type::kHello));
  EXPECT_TRUE(check_reply(ok, Type::kHello, 5, &why)) << why;
  EXPECT_FALSE(check_reply(ok, Type::kHello, 6, &why));      // other tag
  EXPECT_FALSE(check_reply(ok, Type::kAddBuffer, 5, &why));  // other size
  EXPECT_TRUE(check_reply(build(Type::kReply, 5, sizeof(Reply)), Type::kHello, 5, &why));
  EXPECT_FALSE(check_reply(build(Type::kHello, 5, 0), Type::kHello, 5, &why));  // not a reply
}

TEST(DriverWire, UsageRequestIsBareAndItsReplyFixed) {
  std::string why;
  Request r;
  EXPECT_TRUE(parse_request(build(Type::kUsage, 3, 0), 0, &r, &why)) << why;
  EXPECT_EQ(r.type, Type::kUsage);
  EXPECT_FALSE(parse_request(build(Type::kUsage, 3, 8), 0, &r, &why));  // a payload
  EXPECT_EQ(why, "wrong payload size for the type");
  EXPECT_FALSE(parse_request(build(Type::kUsage, 3, 0), 1, &r, &why));  // an fd
  auto next = build(Type::kUsage, 3, 0);
  next[6] = static_cast<uint8_t>(static_cast<uint16_t>(kLastRequest) + 1);  // no such type
  EXPECT_FALSE(parse_request(next, 0, &r, &why));
  EXPECT_EQ(why, "unknown message type");

  EXPECT_TRUE(check_reply(build(Type::kReply, 3, sizeof(ReplyUsage)), Type::kUsage, 3, &why));
  EXPECT_TRUE(check_reply(build(Type::kReply, 3, sizeof(Reply)), Type::kUsage, 3, &why));
  EXPECT_FALSE(check_reply(build(Type::kReply, 3, sizeof(ReplyUsage) - 8), Type::kUsage, 3, &why));
  EXPECT_FALSE(check_reply(build(Type::kReply, 3, sizeof(ReplyInfo)), Type::kUsage, 3, &why));
}

TEST(DriverWire, TileHealthRequestNamesATileAndItsReplyIsFixed) {
  std::string why;
  Request r;
  auto m = build(Type::kTileHealth, 4, sizeof(TileRef));
  m[sizeof(Header)] = 7;
  ASSERT_TRUE(parse_request(m, 0, &r, &why)) << why;
  EXPECT_EQ(r.type, Type::kTileHealth);
  EXPECT_EQ(r.tile.tile, 7u);
  m[sizeof(Header) + 4] = 1;
  EXPECT_FALSE(parse_request(m, 0, &r, &why));
  EXPECT_EQ(why, "non-zero padding");
  EXPECT_FALSE(parse_request(build(Type::kTileHealth, 4, 0), 0, &r, &why));
  EXPECT_EQ(why, "wrong payload size for the type");

  EXPECT_TRUE(
      check_reply(build(Type::kReply, 4, sizeof(ReplyTileHealth)), Type::kTileHealth, 4, &why));
  EXPECT_TRUE(check_reply(build(Type::kReply, 4, sizeof(Reply)), Type::kTileHealth, 4, &why));
  EXPECT_FALSE(check_reply(build(Type::kReply, 4, sizeof(ReplyUsage)), Type::kTileHealth, 4, &why));
}

}  // namespace
}  // namespace hycim::driver::wire
