// Validation of every message before anyone acts on it. Pure functions over
// bytes: the libFuzzer target and the malformed-message tests call them
// directly.
#include <cstring>

#include "driver/lib/wire/protocol.hpp"

namespace hycim::driver::wire {
namespace {

bool fail(std::string* why, const char* what) {
  *why = what;
  return false;
}

// Request::raw holds every payload; the count message names the chunk.
static_assert(sizeof(AddBuffer) <= kMaxRequestPayload && sizeof(MapBuffer) <= kMaxRequestPayload &&
              sizeof(RowAccessRef) <= kMaxRequestPayload && sizeof(SetRows) <= kMaxRequestPayload);
static_assert(kRowAccessChunk == 256);

}  // namespace

size_t request_size(Type t) {
  switch (t) {
    case Type::kInfo:
    case Type::kReset:
    case Type::kUsage:
      return 0;
    case Type::kHello:
      return sizeof(Hello);
    case Type::kAddBuffer:
      return sizeof(AddBuffer);
    case Type::kRemoveBuffer:
    case Type::kUnmapBuffer:
      return sizeof(BufferRef);
    case Type::kMapBuffer:
      return sizeof(MapBuffer);
    case Type::kAddQueue:
      return sizeof(AddQueue);
    case Type::kRemoveQueue:
      return sizeof(QueueRef);
    case Type::kReadError:
      return sizeof(ReadError);
    case Type::kTileHealth:
      return sizeof(TileRef);
    case Type::kRowAccess:
      return sizeof(RowAccessRef);
    case Type::kSetRows:
      return sizeof(SetRows);
    case Type::kReply:
      break;
  }
  return 0;
}

size_t request_fds(Type t) {
  return t == Type::kAddBuffer ? 1 : t == Type::kAddQueue ? 3 : 0;
}

size_t reply_size(Type t) {
  switch (t) {
    case Type::kHello:
      return sizeof(ReplyHello);
    case Type::kInfo:
      return sizeof(ReplyInfo);
    case Type::kAddBuffer:
    case Type::kAddQueue:
      return sizeof(ReplyValue);
    case Type::kReadError:
      return sizeof(ReplyError);
    case Type::kUsage:
      return sizeof(ReplyUsage);
    case Type::kTileHealth:
      return sizeof(ReplyTileHealth);
    case Type::kRowAccess:
      return sizeof(ReplyRowAccess);
    default:
      return sizeof(Reply);
  }
}

// The HELLO's namespace: NUL-terminated within the field, zero after the
// NUL, and a valid name.
static bool check_hello(const Hello& h, std::string* why) {
  const char* end =
      static_cast<const char*>(std::memchr(h.owner_namespace, '\0', sizeof h.owner_namespace));
  if (!end) return fail(why, "owner namespace without its NUL");
  const size_t len = static_cast<size_t>(end - h.owner_namespace);
  for (size_t i = len; i < sizeof h.owner_namespace; ++i)
    if (h.owner_namespace[i] != '\0') return fail(why, "non-zero bytes after the owner namespace");
  if (!valid_owner_namespace({h.owner_namespace, len}))
    return fail(why, "owner namespace is not 1-63 of A-Za-z0-9._-");
  return true;
}

static bool known_request(uint16_t t) {
  return t >= static_cast<uint16_t>(Type::kHello) && t <= static_cast<uint16_t>(kLastRequest);
}

bool parse_request(std::span<const uint8_t> msg, size_t nfds, Request* out, std::string* why) {
  Header h;
  if (msg.size() < sizeof h) return fail(why, "message shorter than its header");
  std::memcpy(&h, msg.data(), sizeof h);
  if (h.magic != kMagic) return fail(why, "bad magic");
  if (h.version != kVersion) return fail(why, "unsupported protocol version");
  if (h.type == static_cast<uint16_t>(Type::kReply)) return fail(why, "unsolicited reply");
  if (!known_request(h.type)) return fail(why, "unknown message type");
  const Type t = static_cast<Type>(h.type);
  if (h.payload != msg.size() - sizeof h) return fail(why, "payload length disagrees with header");
  if (h.payload != request_size(t)) return fail(why, "wrong payload size for the type");
  if (nfds != request_fds(t)) return fail(why, "wrong number of file descriptors for the type");
  out->type = t;
  out->tag = h.tag;
  if (h.payload > 0) std::memcpy(out->raw, msg.data() + sizeof h, h.payload);
  switch (t) {
    case Type::kHello:
      return check_hello(out->hello, why);
    case Type::kMapBuffer:
      if (out->map.pad != 0) return fail(why, "non-zero padding");
      break;
    case Type::kAddQueue:
      if (out->add_queue.pad != 0) return fail(why, "non-zero padding");
      break;
    case Type::kRemoveQueue:
      if (out->queue.pad != 0) return fail(why, "non-zero padding");
      break;
    case Type::kReadError:
      if (out->read_error.pad != 0 || out->read_error.clear > 1)
        return fail(why, "bad read-error flags");
      break;
    case Type::kTileHealth:
      if (out->tile.pad != 0) return fail(why, "non-zero padding");
      break;
    case Type::kRowAccess:
      if (out->row_access.pad != 0) return fail(why, "non-zero padding");
      if (out->row_access.count == 0 || out->row_access.count > kRowAccessChunk)
        return fail(why, "row-access count outside 1..256");
      break;
    case Type::kSetRows:
      if (out->set_rows.op > static_cast<uint32_t>(RowsOp::kUnshare))
        return fail(why, "unknown rows operation");
      break;
    default:
      break;
  }
  return true;
}

bool check_reply(std::span<const uint8_t> msg, Type expected, uint32_t tag, std::string* why) {
  Header h;
  if (msg.size() < sizeof h) return fail(why, "reply shorter than its header");
  std::memcpy(&h, msg.data(), sizeof h);
  if (h.magic != kMagic || h.version != kVersion) return fail(why, "reply with bad magic/version");
  if (h.type != static_cast<uint16_t>(Type::kReply)) return fail(why, "not a reply");
  if (h.tag != tag) return fail(why, "reply to another request");
  if (h.payload != msg.size() - sizeof h) return fail(why, "reply length disagrees with header");
  // An error reply may be just the status.
  if (h.payload != reply_size(expected) && h.payload != sizeof(Reply))
    return fail(why, "wrong reply size");
  return true;
}

}  // namespace hycim::driver::wire
