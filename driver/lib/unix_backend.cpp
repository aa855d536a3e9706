// unix://PATH: the client of hycimd. Each control call is one request and one
// reply on a SOCK_SEQPACKET connection, answered within the timeout (URI key
// timeout_ms, default 5000) or reported as kTimeout. The first is HELLO,
// naming the owner namespace (URI key owner, default "default"); the daemon
// answers with the owner identity it formed. After a timeout or a
// malformed reply the connection is dropped and every later call answers
// kDisconnected, so a hung daemon costs one timeout, not one per call.
#include "driver/lib/unix_backend.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <type_traits>

#include "driver/lib/wire/channel.hpp"

namespace hycim::driver {
namespace {

using wire::Type;

class UnixBackend : public Backend {
 public:
  UnixBackend(UniqueFd sock, int timeout_ms, std::string id)
      : sock_(std::move(sock)), timeout_ms_(timeout_ms), id_(std::move(id)) {}

  void hello(const std::string& name_space) {
    wire::Hello h{};
    std::memcpy(h.owner_namespace, name_space.data(),
                std::min(name_space.size(), sizeof h.owner_namespace - 1));
    wire::ReplyHello r{};
    const Status st = call(Type::kHello, h, {}, &r);
    if (st != Status::kOk)
      throw DriverError(st, std::string("hycimd did not answer hello: ") + to_string(st));
    caps_ = r.caps;
    owner_ = std::string(r.owner, strnlen(r.owner, sizeof r.owner));
  }

  const Capabilities& capabilities() const override { return caps_; }
  const std::string& owner() const override { return owner_; }
  int liveness_fd() const override { return sock_.get(); }

  Status info(DeviceInfo* out) override {
    wire::ReplyInfo r{};
    const Status st = call(Type::kInfo, wire::Empty{}, {}, &r);
    if (st != Status::kOk) return st;
    out->backend = "unix";
    out->id = id_;
    out->contexts = r.contexts;
    out->nvm_rows_programmed = r.nvm_rows_programmed;
    out->nvm_max_wear = r.nvm_max_wear;
    out->commands = r.commands;
    out->tile_config = std::string(r.tile_config, strnlen(r.tile_config, sizeof r.tile_config));
    out->tile_kind = std::string(r.tile_kind, strnlen(r.tile_kind, sizeof r.tile_kind));
    out->nvm_image = std::string(r.nvm_image, strnlen(r.nvm_image, sizeof r.nvm_image));
    out->faults.reset();
    if (r.has_faults)
      out->faults = DeviceInfo::Faults{
          std::string(r.fault_model, strnlen(r.fault_model, sizeof r.fault_model)),
          r.fault_seed,
          std::string(r.ecc, strnlen(r.ecc, sizeof r.ecc)),
          r.temp_c,
          r.verify_retries,
          r.spare_rows};
    out->owner = std::string(r.owner, strnlen(r.owner, sizeof r.owner));
    out->nvm_rows_owned = r.nvm_rows_owned;
    return st;
  }
  Status usage(Usage* out) override {
    wire::ReplyUsage r{};
    const Status st = call(Type::kUsage, wire::Empty{}, {}, &r);
    if (st != Status::kOk) return st;
    *out = r.usage;
    return st;
  }
  Status tile_health(uint32_t tile, TileHealth* out) override {
    wire::ReplyTileHealth r{};
    const Status st = call(Type::kTileHealth, wire::TileRef{tile, 0}, {}, &r);
    if (st == Status::kOk) *out = r.health;
    return st;
  }
  Status add_buffer(int memfd, uint64_t bytes, uint64_t* iova) override {
    wire::ReplyValue r{};
    const int fds[] = {memfd};
    const Status st = call(Type::kAddBuffer, wire::AddBuffer{bytes}, fds, &r);
    *iova = r.value;
    return st;
  }
  Status remove_buffer(uint64_t iova) override {
    return simple(Type::kRemoveBuffer, wire::BufferRef{iova});
  }
  Status map_buffer(uint64_t iova, uint32_t access) override {
    return simple(Type::kMapBuffer, wire::MapBuffer{iova, access, 0});
  }
  Status unmap_buffer(uint64_t iova) override {
    return simple(Type::kUnmapBuffer, wire::BufferRef{iova});
  }
  Status add_queue(const QueueFds& f, uint32_t entries, uint32_t* qid) override {
    wire::ReplyValue r{};
    const int fds[] = {f.ring_memfd, f.doorbell_fd, f.completion_fd};
    const Status st = call(Type::kAddQueue, wire::AddQueue{entries, 0}, fds, &r);
    *qid = static_cast<uint32_t>(r.value);
    return st;
  }
  Status remove_queue(uint32_t qid) override {
    return simple(Type::kRemoveQueue, wire::QueueRef{qid, 0});
  }
  Status read_error(bool clear, ErrorInfo* out) override {
    wire::ReplyError r{};
    const Status st = call(Type::kReadError, wire::ReadError{clear ? 1u : 0u, 0}, {}, &r);
    if (st == Status::kOk) *out = {r.code, r.seq, r.addr, r.count};
    return st;
  }
  Status reset(int timeout_ms) override {
    wire::Reply r{};
    return call(Type::kReset, wire::Empty{}, {}, &r, timeout_ms);
  }
  Status row_access(uint32_t tile, uint32_t first_row, uint32_t count, RowAccess* out) override {
    // The daemon refuses a count outside 1..kRowAccessChunk by closing the
    // connection; an empty ask needs no message at all.
    if (count == 0) return Status::kOk;
    if (count > kRowAccessChunk) return Status::kInvalid;
    wire::ReplyRowAccess r{};
    const Status st = call(Type::kRowAccess, wire::RowAccessRef{tile, first_row, count, 0}, {}, &r);
    if (st == Status::kOk)
      for (uint32_t i = 0; i < count; ++i) out[i] = static_cast<RowAccess>(r.access[i]);
    return st;
  }
  Status set_rows(uint32_t tile, uint32_t row, uint32_t count, RowsOp op) override {
    return simple(Type::kSetRows, wire::SetRows{tile, row, count, static_cast<uint32_t>(op)});
  }

 private:
  template <class Req>
  Status simple(Type t, const Req& req) {
    wire::Reply r{};
    return call(t, req, {}, &r);
  }

  // One request, one reply. Fills *reply (whose first member is wire::Reply)
  // and returns its status.
  template <class Req, class Rep>
  Status call(Type t, const Req& req, std::span<const int> fds, Rep* reply, int timeout_ms = -2) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (broken_) return Status::kDisconnected;
    const uint32_t tag = ++tag_;
    const std::span<const uint8_t> payload =
        std::is_empty_v<Req>
            ? std::span<const uint8_t>{}
            : std::span<const uint8_t>{reinterpret_cast<const uint8_t*>(&req), sizeof req};
    Status st = wire::send_message(sock_.get(), t, tag, payload, fds);
    wire::Received msg;
    if (st == Status::kOk)
      st = wire::receive_message(sock_.get(), timeout_ms == -2 ? timeout_ms_ : timeout_ms, &msg);
    std::string why;
    if (st == Status::kOk && (!msg.fds.empty() || !wire::check_reply(msg.bytes, t, tag, &why)))
      st = Status::kProtocol;
    if (st != Status::kOk) {
      broken_ = true;
      ::shutdown(sock_.get(), SHUT_RDWR);
      return st;
    }
    const size_t got = msg.bytes.size() - sizeof(wire::Header);
    std::memcpy(reply, msg.bytes.data() + sizeof(wire::Header), std::min(got, sizeof *reply));
    return static_cast<Status>(reinterpret_cast<const wire::Reply*>(reply)->status);
  }

  UniqueFd sock_;
  int timeout_ms_;
  std::string id_;  // "unix://PATH"
  std::mutex mutex_;
  uint32_t tag_ = 0;
  bool broken_ = false;
  Capabilities caps_{};
  std::string owner_;  // the identity the daemon formed
};

}  // namespace

UniqueFd connect_unix(const std::string& path, Status* st) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    *st = Status::kInvalid;
    return {};
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock) {
    *st = Status::kIo;
    return {};
  }
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *st = errno == ENOENT || errno == ECONNREFUSED ? Status::kNotFound
          : errno == EACCES                        ? Status::kPermission
                                                   : Status::kIo;
    return {};
  }
  *st = Status::kOk;
  return sock;
}

std::shared_ptr<Backend> open_unix_backend(const Uri& uri) {
  int timeout_ms = 5000;
  std::string name_space = kDefaultOwnerNamespace;
  for (const auto& [key, value] : uri.query) {
    if (key == kOwnerKey) {
      if (!valid_owner_namespace(value))
        throw DriverError(Status::kInvalid,
                          "unix:// URI: owner='" + value + "' is not an owner namespace: 1-" +
                              std::to_string(kMaxOwnerNamespace) + " of A-Za-z0-9._-");
      name_space = value;
      continue;
    }
    if (key != "timeout_ms")
      throw DriverError(Status::kInvalid,
                        "unix:// URI: unknown key '" + key + "' (known: owner, timeout_ms)");
    try {
      timeout_ms = std::stoi(value);
    } catch (const std::exception&) {
      throw DriverError(Status::kInvalid,
                        "unix:// URI: timeout_ms='" + value + "' is not a number");
    }
  }
  Status st;
  UniqueFd sock = connect_unix(uri.path, &st);
  if (!sock)
    throw DriverError(st, "cannot connect to hycimd at '" + uri.path + "': " + to_string(st));
  auto b = std::make_shared<UnixBackend>(std::move(sock), timeout_ms, "unix://" + uri.path);
  b->hello(name_space);
  return b;
}

}  // namespace hycim::driver
