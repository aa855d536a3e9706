// hycimd's connection loop: accepts clients (same uid only, SO_PEERCRED),
// gives each its own engine context once its HELLO names the owner namespace
// (identity "uid:U/NS", the uid from SO_PEERCRED), answers its requests, and
// frees the context when the connection ends for any reason (exit, kill, a
// malformed message, a request before HELLO or a second HELLO). The hot path never comes here:
// queues are served by the engine thread straight from the clients' shared rings and eventfds.
#pragma once
#include <sys/types.h>

#include <map>
#include <memory>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"
#include "driver/lib/wire/channel.hpp"
#include "driver/sim/engine/engine.hpp"

namespace hycim::driver::daemon {

class Server {
 public:
  // stop_fd: readable when the daemon should exit (signal handler's eventfd).
  Server(std::shared_ptr<Engine> engine, UniqueFd listener, int stop_fd);
  // Serves until stop_fd fires. Returns the number of connections served.
  uint64_t run();

 private:
  struct Connection {
    UniqueFd sock;
    std::unique_ptr<Backend> context;  // null until the HELLO
    pid_t pid = 0;
    uid_t uid = 0;
  };
  void accept_one();
  void serve(int fd);
  void close_connection(int fd, const char* why);
  // Opens the context for the HELLO's owner and answers it; the status
  // returned is the send's (kProtocol when the context could not be opened).
  Status hello(Connection& c, const wire::Request& req);
  Status dispatch(Connection& c, const wire::Request& req, std::vector<UniqueFd>& fds);

  std::shared_ptr<Engine> engine_;
  UniqueFd listener_, epoll_;
  int stop_fd_;
  std::map<int, Connection> connections_;
  uint64_t served_ = 0;
};

}  // namespace hycim::driver::daemon
