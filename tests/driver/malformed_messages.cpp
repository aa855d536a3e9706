#include "tests/driver/malformed_messages.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "driver/lib/fd.hpp"
#include "driver/lib/wire/protocol.hpp"

namespace hycim::driver::test {
namespace {

using wire::Type;

std::vector<uint8_t> message(uint32_t magic, uint16_t version, uint16_t type,
                             uint32_t payload_field, std::vector<uint8_t> payload) {
  const wire::Header h{magic, version, type, 1, payload_field};
  // One allocation and two copies (g++ 12 misreads vector::insert here).
  std::vector<uint8_t> out(sizeof h + payload.size());
  std::memcpy(out.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(out.data() + sizeof h, payload.data(), payload.size());
  return out;
}

std::vector<uint8_t> good(Type t, std::vector<uint8_t> payload) {
  return message(wire::kMagic, wire::kVersion, static_cast<uint16_t>(t),
                 static_cast<uint32_t>(payload.size()), payload);
}

// A HELLO payload: `name`'s bytes, the rest of the field zero.
std::vector<uint8_t> hello_payload(const std::string& name) {
  std::vector<uint8_t> p(sizeof(wire::Hello), 0);
  std::memcpy(p.data(), name.data(), std::min(name.size(), p.size()));
  return p;
}

template <class T>
std::vector<uint8_t> bytes_of(const T& v) {
  std::vector<uint8_t> p(sizeof v);
  std::memcpy(p.data(), &v, sizeof v);
  return p;
}

}  // namespace

std::vector<MalformedMessage> malformed_messages() {
  const auto hello = static_cast<uint16_t>(Type::kHello);
  std::vector<uint8_t> map(sizeof(wire::MapBuffer), 0);
  map[12] = 1;  // padding
  std::vector<uint8_t> read_error(sizeof(wire::ReadError), 0);
  read_error[0] = 2;  // clear is 0 or 1
  std::vector<uint8_t> tile_health(sizeof(wire::TileRef), 0);
  tile_health[4] = 1;  // padding
  std::vector<uint8_t> hello_tail = hello_payload("default");
  hello_tail[63] = 'x';  // after the NUL
  return {
      {"one byte", {0x48}},
      {"header cut short", std::vector<uint8_t>(15, 0)},
      {"bad magic", message(0x12345678, wire::kVersion, hello, 0, {})},
      {"future version", message(wire::kMagic, wire::kVersion + 1, hello, 0, {})},
      // Version 1 sent hycim_usage without energy_total_pj: its replies are
      // another size, so its clients are turned away at the first message.
      {"version 1 client", message(wire::kMagic, 1, hello, 0, {})},
      // Version 3's hycim_usage ended at device_time_ns (no ECC counters).
      {"version 3 client", message(wire::kMagic, 3, hello, 0, {})},
      // Version 5's HELLO had no payload (no owner namespace).
      {"version 5 client", message(wire::kMagic, 5, hello, 0, {})},
      {"unknown type", message(wire::kMagic, wire::kVersion, 77, 0, {})},
      {"type zero", message(wire::kMagic, wire::kVersion, 0, 0, {})},
      {"unsolicited reply", good(Type::kReply, std::vector<uint8_t>(8, 0))},
      {"payload longer than declared", message(wire::kMagic, wire::kVersion, hello, 0, {1, 2, 3})},
      {"payload shorter than declared", message(wire::kMagic, wire::kVersion, hello, 64, {})},
      {"payload on a bare request", good(Type::kHello, std::vector<uint8_t>(8, 0))},
      {"truncated add-buffer", good(Type::kAddBuffer, std::vector<uint8_t>(4, 0)), 1},
      {"oversized message", good(Type::kInfo, std::vector<uint8_t>(4000, 0xab))},
      {"add-buffer without its fd", good(Type::kAddBuffer, std::vector<uint8_t>(8, 0))},
      {"add-queue with one fd", good(Type::kAddQueue, {4, 0, 0, 0, 0, 0, 0, 0}), 1},
      {"fd on a hello", good(Type::kHello, hello_payload("default")), 1},
      {"bare hello", good(Type::kHello, {})},
      {"hello with an empty owner namespace", good(Type::kHello, hello_payload(""))},
      {"hello with a '/' in the owner namespace", good(Type::kHello, hello_payload("a/b"))},
      {"hello owner namespace without its NUL",
       good(Type::kHello, hello_payload(std::string(64, 'a')))},
      {"hello with bytes after the owner namespace", good(Type::kHello, hello_tail)},
      {"row-access of no rows", good(Type::kRowAccess, bytes_of(wire::RowAccessRef{0, 0, 0, 0}))},
      {"row-access of 257 rows",
       good(Type::kRowAccess, bytes_of(wire::RowAccessRef{0, 0, kRowAccessChunk + 1, 0}))},
      {"row-access padding", good(Type::kRowAccess, bytes_of(wire::RowAccessRef{0, 0, 1, 7}))},
      {"set-rows with an unknown operation",
       good(Type::kSetRows, bytes_of(wire::SetRows{0, 0, 1, 3}))},
      {"fd on a set-rows request", good(Type::kSetRows, bytes_of(wire::SetRows{0, 0, 1, 0})), 1},
      {"too many fds", good(Type::kAddQueue, {4, 0, 0, 0, 0, 0, 0, 0}), 5},
      {"non-zero padding", good(Type::kMapBuffer, map)},
      {"bad clear flag", good(Type::kReadError, read_error)},
      {"payload on a usage request", good(Type::kUsage, std::vector<uint8_t>(8, 0))},
      {"usage request cut short",
       message(wire::kMagic, wire::kVersion, static_cast<uint16_t>(Type::kUsage), 8, {})},
      {"fd on a usage request", good(Type::kUsage, {}), 1},
      {"tile-health request without its tile", good(Type::kTileHealth, {})},
      {"tile-health padding", good(Type::kTileHealth, tile_health)},
      {"fd on a tile-health request", good(Type::kTileHealth, std::vector<uint8_t>(8, 0)), 1},
  };
}

bool send_malformed(int sock, const MalformedMessage& m) {
  std::vector<UniqueFd> fds;
  std::vector<int> raw;
  for (int i = 0; i < m.fds; ++i) {
    fds.push_back(make_eventfd());
    raw.push_back(fds.back().get());
  }
  iovec iov{const_cast<uint8_t*>(m.bytes.data()), m.bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
  if (!raw.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * raw.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    *c = {CMSG_LEN(sizeof(int) * raw.size()), SOL_SOCKET, SCM_RIGHTS};
    std::memcpy(CMSG_DATA(c), raw.data(), sizeof(int) * raw.size());
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0;
}

}  // namespace hycim::driver::test
