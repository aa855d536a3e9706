// The unix:// backend: a client of hycimd (wire protocol in wire/protocol.hpp).
#pragma once
#include <memory>
#include <string>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"
#include "driver/lib/uri.hpp"

namespace hycim::driver {

std::shared_ptr<Backend> open_unix_backend(const Uri& uri);
// A connected SOCK_SEQPACKET socket to path, or an invalid fd and *st
// (kNotFound when nobody listens there).
UniqueFd connect_unix(const std::string& path, Status* st);

}  // namespace hycim::driver
