#include "driver/daemon/server.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hycim::driver::daemon {
namespace {

using wire::Type;

template <class Rep>
Status reply(int sock, uint32_t tag, Status st, Rep rep) {
  rep.r.status = static_cast<int32_t>(st);
  return wire::send_struct(sock, Type::kReply, tag, rep);
}

struct Plain {
  wire::Reply r;
};

void copy_string(char* dst, size_t n, const std::string& s) {
  std::memset(dst, 0, n);
  std::memcpy(dst, s.data(), std::min(n - 1, s.size()));
}

}  // namespace

Server::Server(std::shared_ptr<Engine> engine, UniqueFd listener, int stop_fd)
    : engine_(std::move(engine)),
      listener_(std::move(listener)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      stop_fd_(stop_fd) {
  for (int fd : {listener_.get(), stop_fd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  }
}

uint64_t Server::run() {
  for (;;) {
    epoll_event events[16];
    const int n = ::epoll_wait(epoll_.get(), events, 16, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == stop_fd_) {
        spdlog::info("stopping; {} connection(s) open", connections_.size());
        while (!connections_.empty()) close_connection(connections_.begin()->first, "daemon stops");
        return served_;
      }
      if (fd == listener_.get())
        accept_one();
      else
        serve(fd);
    }
  }
}

void Server::accept_one() {
  UniqueFd sock(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!sock) return;
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      cred.uid != ::geteuid()) {
    spdlog::warn("refused a client of uid {} (pid {}): only uid {} may use this device", cred.uid,
                 cred.pid, ::geteuid());
    return;
  }
  // A slow or stopped client must not stall the daemon on a reply.
  timeval tv{1, 0};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // The context opens at the HELLO, which names the owner namespace.
  Connection c;
  c.pid = cred.pid;
  c.uid = cred.uid;
  const int fd = sock.get();
  c.sock = std::move(sock);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  connections_.emplace(fd, std::move(c));
  ++served_;
  spdlog::info("client pid {} connected ({} open)", cred.pid, connections_.size());
}

void Server::close_connection(int fd, const char* why) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  spdlog::info("client pid {} disconnected: {}", it->second.pid, why);
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  connections_.erase(it);  // frees the context: its queues and buffers
}

void Server::serve(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  wire::Received msg;
  const Status st = wire::receive_message(fd, 0, &msg);
  if (st == Status::kTimeout) return;
  if (st != Status::kOk)
    return close_connection(fd, st == Status::kDisconnected ? "closed" : "unreadable message");
  wire::Request req;
  std::string why;
  if (!wire::parse_request(msg.bytes, msg.fds.size(), &req, &why)) {
    spdlog::warn("client pid {} sent a malformed message ({} bytes, {} fds): {}", it->second.pid,
                 msg.bytes.size(), msg.fds.size(), why);
    // Closed before the connection: once the client sees it close, none of
    // its descriptors is held here.
    msg.fds.clear();
    return close_connection(fd, "malformed message");
  }
  Connection& c = it->second;
  const bool is_hello = req.type == Type::kHello;
  if (is_hello == (c.context != nullptr)) {
    const char* reason = is_hello ? "a second HELLO" : "a request before HELLO";
    spdlog::warn("client pid {} broke the protocol: {} (type {})", c.pid, reason,
                 static_cast<unsigned>(req.type));
    msg.fds.clear();
    return close_connection(fd, "protocol violation");
  }
  if (is_hello) {
    const Status st = hello(c, req);
    if (st != Status::kOk)
      close_connection(fd, st == Status::kProtocol ? "hello refused" : "reply failed");
    return;
  }
  if (dispatch(c, req, msg.fds) != Status::kOk) close_connection(fd, "reply failed");
}

Status Server::hello(Connection& c, const wire::Request& req) {
  const std::string name_space(
      req.hello.owner_namespace,
      strnlen(req.hello.owner_namespace, sizeof req.hello.owner_namespace));
  const std::string owner = owner_identity(c.uid, name_space);
  wire::ReplyHello r{};
  try {
    c.context = engine_->open_context(owner);
  } catch (const std::exception& e) {
    const auto* de = dynamic_cast<const DriverError*>(&e);
    spdlog::warn("client pid {}: no context for {}: {}", c.pid, owner, e.what());
    reply(c.sock.get(), req.tag, de ? de->status : Status::kInternal, r);
    return Status::kProtocol;
  }
  r.caps = c.context->capabilities();
  copy_string(r.owner, sizeof r.owner, c.context->owner());
  spdlog::info("client pid {} connected as {}", c.pid, c.context->owner());
  return reply(c.sock.get(), req.tag, Status::kOk, r);
}

// Answers one valid request; the status returned is the send's.
Status Server::dispatch(Connection& c, const wire::Request& req, std::vector<UniqueFd>& fds) {
  Backend& b = *c.context;
  const int s = c.sock.get();
  switch (req.type) {
    case Type::kHello:
      break;  // serve() answers it (hello())
    case Type::kInfo: {
      DeviceInfo info;
      wire::ReplyInfo r{};
      const Status st = b.info(&info);
      r.contexts = info.contexts;
      r.nvm_rows_programmed = info.nvm_rows_programmed;
      r.nvm_max_wear = info.nvm_max_wear;
      r.commands = info.commands;
      copy_string(r.tile_config, sizeof r.tile_config, info.tile_config);
      copy_string(r.tile_kind, sizeof r.tile_kind, info.tile_kind);
      copy_string(r.nvm_image, sizeof r.nvm_image, info.nvm_image);
      if (info.faults) {
        r.has_faults = 1;
        r.verify_retries = info.faults->verify_retries;
        r.spare_rows = info.faults->spare_rows;
        r.fault_seed = info.faults->seed;
        r.temp_c = info.faults->temp_c;
        copy_string(r.fault_model, sizeof r.fault_model, info.faults->model);
        copy_string(r.ecc, sizeof r.ecc, info.faults->ecc);
      }
      copy_string(r.owner, sizeof r.owner, info.owner);
      r.nvm_rows_owned = info.nvm_rows_owned;
      return reply(s, req.tag, st, r);
    }
    case Type::kRowAccess: {
      // parse_request let only a count of 1..kRowAccessChunk through.
      wire::ReplyRowAccess r{};
      RowAccess access[kRowAccessChunk] = {};
      const Status st =
          b.row_access(req.row_access.tile, req.row_access.first_row, req.row_access.count, access);
      if (st == Status::kOk)
        for (uint32_t i = 0; i < req.row_access.count; ++i)
          r.access[i] = static_cast<uint8_t>(access[i]);
      return reply(s, req.tag, st, r);
    }
    case Type::kSetRows:
      return reply(s, req.tag,
                   b.set_rows(req.set_rows.tile, req.set_rows.row, req.set_rows.count,
                              static_cast<RowsOp>(req.set_rows.op)),
                   Plain{});
    case Type::kUsage: {
      wire::ReplyUsage r{};
      const Status st = b.usage(&r.usage);
      return reply(s, req.tag, st, r);
    }
    case Type::kTileHealth: {
      // The engine refuses a tile the device lacks (kInvalid), as in-process.
      wire::ReplyTileHealth r{};
      const Status st = b.tile_health(req.tile.tile, &r.health);
      return reply(s, req.tag, st, r);
    }
    case Type::kAddBuffer: {
      wire::ReplyValue r{};
      const Status st = b.add_buffer(fds[0].get(), req.add_buffer.bytes, &r.value);
      if (st != Status::kOk)
        spdlog::warn("client pid {}: buffer refused ({})", c.pid, to_string(st));
      return reply(s, req.tag, st, r);
    }
    case Type::kAddQueue: {
      wire::ReplyValue r{};
      uint32_t qid = 0;
      const QueueFds q{fds[0].get(), fds[1].get(), fds[2].get()};
      const Status st = b.add_queue(q, req.add_queue.entries, &qid);
      if (st != Status::kOk)
        spdlog::warn("client pid {}: queue refused ({})", c.pid, to_string(st));
      r.value = qid;
      return reply(s, req.tag, st, r);
    }
    case Type::kReadError: {
      wire::ReplyError r{};
      ErrorInfo e{};
      const Status st = b.read_error(req.read_error.clear != 0, &e);
      r.code = e.code;
      r.seq = e.seq;
      r.addr = e.addr;
      r.count = e.count;
      return reply(s, req.tag, st, r);
    }
    case Type::kRemoveBuffer:
      return reply(s, req.tag, b.remove_buffer(req.buffer.iova), Plain{});
    case Type::kMapBuffer:
      return reply(s, req.tag, b.map_buffer(req.map.iova, req.map.access), Plain{});
    case Type::kUnmapBuffer:
      return reply(s, req.tag, b.unmap_buffer(req.buffer.iova), Plain{});
    case Type::kRemoveQueue:
      return reply(s, req.tag, b.remove_queue(req.queue.qid), Plain{});
    case Type::kReset:
      return reply(s, req.tag, b.reset(-1), Plain{});
    case Type::kReply:
      break;
  }
  return Status::kProtocol;  // parse_request never lets a reply through, serve() a HELLO
}

}  // namespace hycim::driver::daemon
