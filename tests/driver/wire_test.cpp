// The wire parser on its own: every malformed corpus case is refused with a
// reason, every well-formed request of every type is accepted, and replies
// are checked against the request they answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

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

// A HELLO naming `name` (its bytes as given, the rest of the field zero).
std::vector<uint8_t> hello(std::string_view name, uint32_t tag = 1) {
  auto m = build(Type::kHello, tag, sizeof(Hello));
  std::memcpy(m.data() + sizeof(Header), name.data(), std::min(name.size(), sizeof(Hello)));
  return m;
}

template <class T>
std::vector<uint8_t> request(Type t, uint32_t tag, const T& payload) {
  auto m = build(t, tag, sizeof payload);
  std::memcpy(m.data() + sizeof(Header), &payload, sizeof payload);
  return m;
}

TEST(DriverWire, EveryRequestTypeParses) {
  for (uint16_t t = 1; t <= static_cast<uint16_t>(kLastRequest); ++t) {
    const Type type = static_cast<Type>(t);
    auto m = build(type, 9, request_size(type));
    if (type == Type::kAddQueue) m[sizeof(Header)] = 4;
    if (type == Type::kHello) m = hello(kDefaultOwnerNamespace, 9);
    if (type == Type::kRowAccess) m[sizeof(Header) + 8] = 1;  // count
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

TEST(DriverWire, HelloNamesAValidOwnerNamespace) {
  std::string why;
  Request r;
  ASSERT_TRUE(parse_request(hello("default"), 0, &r, &why)) << why;
  EXPECT_EQ(r.type, Type::kHello);
  EXPECT_STREQ(r.hello.owner_namespace, "default");
  const std::string longest(kMaxOwnerNamespace, 'a');
  ASSERT_TRUE(parse_request(hello("A-z_0.9"), 0, &r, &why)) << why;
  ASSERT_TRUE(parse_request(hello(longest), 0, &r, &why)) << why;
  EXPECT_EQ(std::string(r.hello.owner_namespace), longest);

  EXPECT_FALSE(parse_request(hello(""), 0, &r, &why));
  EXPECT_EQ(why, "owner namespace is not 1-63 of A-Za-z0-9._-");
  EXPECT_FALSE(parse_request(hello("team/a"), 0, &r, &why));
  EXPECT_EQ(why, "owner namespace is not 1-63 of A-Za-z0-9._-");
  EXPECT_FALSE(parse_request(hello("a b"), 0, &r, &why));
  EXPECT_FALSE(why.empty());
  EXPECT_FALSE(parse_request(hello(std::string(64, 'a')), 0, &r, &why));  // no NUL
  EXPECT_EQ(why, "owner namespace without its NUL");
  auto tail = hello("default");
  tail[sizeof(Header) + 40] = 'x';  // after the NUL
  EXPECT_FALSE(parse_request(tail, 0, &r, &why));
  EXPECT_EQ(why, "non-zero bytes after the owner namespace");
  tail = hello("default");
  tail.back() = 1;  // the field's last byte
  EXPECT_FALSE(parse_request(tail, 0, &r, &why));
  EXPECT_EQ(why, "non-zero bytes after the owner namespace");
  // Version 5's bare HELLO.
  EXPECT_FALSE(parse_request(build(Type::kHello, 1, 0), 0, &r, &why));
  EXPECT_EQ(why, "wrong payload size for the type");

  EXPECT_TRUE(check_reply(build(Type::kReply, 1, sizeof(ReplyHello)), Type::kHello, 1, &why));
  EXPECT_FALSE(check_reply(build(Type::kReply, 1, 64), Type::kHello, 1, &why));  // version 5's
}

TEST(DriverWire, RowAccessAsksForOneChunkAtMost) {
  std::string why;
  Request r;
  for (uint32_t count : {1u, 17u, kRowAccessChunk}) {
    ASSERT_TRUE(
        parse_request(request(Type::kRowAccess, 2, RowAccessRef{1, 40, count, 0}), 0, &r, &why))
        << count << ": " << why;
    EXPECT_EQ(r.type, Type::kRowAccess);
    EXPECT_EQ(r.tag, 2u);
    EXPECT_EQ(r.row_access.tile, 1u);
    EXPECT_EQ(r.row_access.first_row, 40u);
    EXPECT_EQ(r.row_access.count, count);
  }
  EXPECT_FALSE(parse_request(request(Type::kRowAccess, 2, RowAccessRef{0, 0, 0, 0}), 0, &r, &why));
  EXPECT_EQ(why, "row-access count outside 1..256");
  EXPECT_FALSE(parse_request(
      request(Type::kRowAccess, 2, RowAccessRef{0, 0, kRowAccessChunk + 1, 0}), 0, &r, &why));
  EXPECT_EQ(why, "row-access count outside 1..256");
  EXPECT_FALSE(parse_request(request(Type::kRowAccess, 2, RowAccessRef{0, 0, 4, 1}), 0, &r, &why));
  EXPECT_EQ(why, "non-zero padding");
  EXPECT_FALSE(parse_request(request(Type::kRowAccess, 2, RowAccessRef{0, 0, 4, 0}), 1, &r, &why));
  EXPECT_EQ(why, "wrong number of file descriptors for the type");

  EXPECT_TRUE(
      check_reply(build(Type::kReply, 2, sizeof(ReplyRowAccess)), Type::kRowAccess, 2, &why));
  EXPECT_TRUE(check_reply(build(Type::kReply, 2, sizeof(Reply)), Type::kRowAccess, 2, &why));
  EXPECT_FALSE(check_reply(build(Type::kReply, 2, sizeof(Reply) + 16), Type::kRowAccess, 2, &why));
}

TEST(DriverWire, SetRowsNamesAKnownOperation) {
  std::string why;
  Request r;
  for (RowsOp op : {RowsOp::kRelease, RowsOp::kShare, RowsOp::kUnshare}) {
    const SetRows s{1, 8, 3, static_cast<uint32_t>(op)};
    ASSERT_TRUE(parse_request(request(Type::kSetRows, 5, s), 0, &r, &why)) << why;
    EXPECT_EQ(r.type, Type::kSetRows);
    EXPECT_EQ(r.set_rows.tile, 1u);
    EXPECT_EQ(r.set_rows.row, 8u);
    EXPECT_EQ(r.set_rows.count, 3u);
    EXPECT_EQ(static_cast<RowsOp>(r.set_rows.op), op);
  }
  EXPECT_FALSE(parse_request(request(Type::kSetRows, 5, SetRows{0, 0, 1, 3}), 0, &r, &why));
  EXPECT_EQ(why, "unknown rows operation");
  EXPECT_FALSE(parse_request(build(Type::kSetRows, 5, 8), 0, &r, &why));
  EXPECT_EQ(why, "wrong payload size for the type");

  EXPECT_TRUE(check_reply(build(Type::kReply, 5, sizeof(Reply)), Type::kSetRows, 5, &why));
  EXPECT_FALSE(
      check_reply(build(Type::kReply, 5, sizeof(ReplyRowAccess)), Type::kSetRows, 5, &why));
}

TEST(DriverWire, InfoReplyCarriesTheOwner) {
  std::string why;
  EXPECT_TRUE(check_reply(build(Type::kReply, 6, sizeof(ReplyInfo)), Type::kInfo, 6, &why)) << why;
  EXPECT_FALSE(check_reply(build(Type::kReply, 6, 440), Type::kInfo, 6, &why));  // version 5's
  EXPECT_EQ(offsetof(ReplyInfo, owner) + sizeof(ReplyInfo::owner) + 8, sizeof(ReplyInfo));
}

}  // namespace
}  // namespace hycim::driver::wire
