// Claiming the daemon's socket path safely: never unlink or reuse what is
// not ours.
#pragma once
#include <string>

#include "driver/lib/fd.hpp"

namespace hycim::driver::daemon {

// A listening SOCK_SEQPACKET socket bound at `path`, mode 0600. An existing
// path is replaced only if it is a socket owned by this user that nobody
// answers on (a stale one). Throws std::runtime_error naming the refusal:
// a path that is not a socket, belongs to another user, or has a live daemon.
UniqueFd claim_socket(const std::string& path);

}  // namespace hycim::driver::daemon
