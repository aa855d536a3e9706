// libFuzzer target: the daemon's message parser (and the client's reply
// check) on arbitrary bytes. The first byte picks how many fds "came with"
// the message; the rest is the message. Seeds: corpus/wire/, written by
// make_wire_seeds.py.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "driver/lib/wire/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hycim::driver::wire;
  if (size == 0) return 0;
  const std::span<const uint8_t> msg(data + 1, size - 1);
  Request r;
  std::string why;
  if (parse_request(msg, data[0] % (kMaxFds + 2), &r, &why)) {
    // Accepted messages must be exactly what the type says.
    if (msg.size() != sizeof(Header) + request_size(r.type)) __builtin_trap();
    if (data[0] % (kMaxFds + 2) != request_fds(r.type)) __builtin_trap();
    // And every field within its range.
    if (r.type == Type::kHello) {
      const char* ns = r.hello.owner_namespace;
      const size_t len = strnlen(ns, sizeof r.hello.owner_namespace);
      if (len == sizeof r.hello.owner_namespace || !hycim::driver::valid_owner_namespace({ns, len}))
        __builtin_trap();
    }
    if (r.type == Type::kRowAccess &&
        (r.row_access.count == 0 || r.row_access.count > hycim::driver::kRowAccessChunk))
      __builtin_trap();
    if (r.type == Type::kSetRows && r.set_rows.op > 2) __builtin_trap();
  } else if (why.empty()) {
    __builtin_trap();
  }
  check_reply(msg, static_cast<Type>(data[0] % (static_cast<int>(kLastRequest) + 1)), 1, &why);
  return 0;
}
