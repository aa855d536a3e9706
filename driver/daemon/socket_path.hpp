// Claiming the daemon's socket path safely: never unlink or reuse what is
// not ours.
#pragma once
#include <string>

#include "driver/lib/fd.hpp"

namespace hycim::driver::daemon {

// A SOCK_SEQPACKET socket bound at `path`, mode 0600, not yet listening (so
// clients are refused, not queued, until the device is up). An existing
// path is replaced only if it is a socket owned by this user that nobody
// answers on (a stale one). Throws std::runtime_error naming the refusal:
// a path that is not a socket, belongs to another user, or has a live daemon.
UniqueFd claim_socket(const std::string& path);
// listen(2) on a claimed socket; throws std::runtime_error.
void start_listening(int sock);

}  // namespace hycim::driver::daemon
