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

}  // namespace

size_t request_size(Type t) {
  switch (t) {
    case Type::kHello:
    case Type::kInfo:
    case Type::kReset:
    case Type::kUsage:
      return 0;
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
      return sizeof(ReplyCaps);
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
    default:
      return sizeof(Reply);
  }
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
  if (h.payload > 0) std::memcpy(&out->add_buffer, msg.data() + sizeof h, h.payload);
  switch (t) {
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
