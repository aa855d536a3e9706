#include "driver/daemon/socket_path.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "driver/lib/unix_backend.hpp"

namespace hycim::driver::daemon {
namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw std::runtime_error("refusing socket path '" + path + "': " + why);
}

void remove_stale(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    refuse(path, std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) refuse(path, "it exists and is not a socket");
  if (st.st_uid != ::geteuid()) refuse(path, "it belongs to uid " + std::to_string(st.st_uid));
  Status status;
  if (connect_unix(path, &status)) refuse(path, "another daemon is serving it");
  if (::unlink(path.c_str()) != 0) refuse(path, std::strerror(errno));
}

}  // namespace

UniqueFd claim_socket(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) refuse(path, "path empty or too long");
  remove_stale(path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) refuse(path, std::strerror(errno));
  // Only this user may connect; SO_PEERCRED is checked on top of that.
  const mode_t old = ::umask(0177);
  const int rc = ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::umask(old);
  if (rc != 0) refuse(path, std::strerror(err));
  return sock;
}

void start_listening(int sock) {
  if (::listen(sock, 64) != 0)
    throw std::runtime_error(std::string("listen on the daemon socket: ") + std::strerror(errno));
}

}  // namespace hycim::driver::daemon
