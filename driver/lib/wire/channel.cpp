#include "driver/lib/wire/channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace hycim::driver::wire {

Status send_message(int sock, Type type, uint32_t tag, std::span<const uint8_t> payload,
                    std::span<const int> fds) {
  if (fds.size() > kMaxFds || sizeof(Header) + payload.size() > kMaxMessage)
    return Status::kInvalid;
  uint8_t buf[kMaxMessage];
  const Header h{kMagic, kVersion, static_cast<uint16_t>(type), tag,
                 static_cast<uint32_t>(payload.size())};
  std::memcpy(buf, &h, sizeof h);
  if (!payload.empty()) std::memcpy(buf + sizeof h, payload.data(), payload.size());
  iovec iov{buf, sizeof h + payload.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0) return Status::kOk;
    if (errno == EINTR) continue;
    return errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN ? Status::kDisconnected
                                                                      : Status::kIo;
  }
}

Status receive_message(int sock, int timeout_ms, Received* out) {
  pollfd p{sock, POLLIN, 0};
  int r;
  while ((r = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (r == 0) return Status::kTimeout;
  if (r < 0) return Status::kIo;
  out->bytes.assign(kMaxMessage + 1, 0);
  out->fds.clear();
  iovec iov{out->bytes.data(), out->bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * (kMaxFds + 1))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n < 0) return errno == ECONNRESET ? Status::kDisconnected : Status::kIo;
  // Own every fd first, so each path below closes them.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      out->fds.emplace_back(fd);
    }
  }
  if (n == 0) return Status::kDisconnected;
  if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || out->fds.size() > kMaxFds)
    return Status::kProtocol;
  out->bytes.resize(static_cast<size_t>(n));
  return Status::kOk;
}

}  // namespace hycim::driver::wire
