// Sending and receiving one wire message with its file descriptors over a
// SOCK_SEQPACKET socket. Received fds come back owned, so a refused message
// never leaks them.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "driver/driver.hpp"
#include "driver/lib/fd.hpp"
#include "driver/lib/wire/protocol.hpp"

namespace hycim::driver::wire {

// kOk, or kDisconnected when the peer is gone (EPIPE/ECONNRESET), kIo.
Status send_message(int sock, Type type, uint32_t tag, std::span<const uint8_t> payload,
                    std::span<const int> fds = {});

template <class T>
Status send_struct(int sock, Type type, uint32_t tag, const T& payload,
                   std::span<const int> fds = {}) {
  return send_message(sock, type, tag, {reinterpret_cast<const uint8_t*>(&payload), sizeof payload},
                      fds);
}

struct Received {
  std::vector<uint8_t> bytes;
  std::vector<UniqueFd> fds;
};

// Waits up to timeout_ms (< 0: forever) for one message. kOk; kDisconnected
// on EOF; kTimeout; kProtocol for a truncated message or too many fds (they
// are closed); kIo.
Status receive_message(int sock, int timeout_ms, Received* out);

}  // namespace hycim::driver::wire
