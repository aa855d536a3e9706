// The hycimd wire protocol: one SOCK_SEQPACKET message per request and per
// reply, a fixed 16-byte header and a fixed-size payload per type, file
// descriptors as SCM_RIGHTS. Fixed-width little-endian structs with their
// sizes asserted; docs/driver.md has the table.
//
// Every request gets exactly one reply with the same tag. A message that
// fails parse_request (wrong size, magic, version, type, fd count, non-zero
// padding) is refused: the daemon logs it and closes the connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

namespace hycim::driver::wire {

inline constexpr uint32_t kMagic = 0x44594348;  // "HCYD" little-endian
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kMaxFds = 3;
inline constexpr size_t kMaxMessage = 512;

enum class Type : uint16_t {
  kHello = 1,         // -> ReplyCaps
  kInfo = 2,          // -> ReplyInfo
  kAddBuffer = 3,     // AddBuffer + 1 fd (sealed memfd) -> ReplyValue (iova)
  kRemoveBuffer = 4,  // BufferRef
  kMapBuffer = 5,     // MapBuffer
  kUnmapBuffer = 6,   // BufferRef
  kAddQueue = 7,      // AddQueue + 3 fds (ring memfd, doorbell, completion) -> ReplyValue (qid)
  kRemoveQueue = 8,   // QueueRef
  kReadError = 9,     // ReadError -> ReplyError
  kReset = 10,        // Empty
  kUsage = 11,        // -> ReplyUsage
  kReply = 0x8000,    // any reply: Reply + type-specific tail
};
// Request types are kHello..kLastRequest, without gaps.
inline constexpr Type kLastRequest = Type::kUsage;

struct Header {
  uint32_t magic;
  uint16_t version;
  uint16_t type;
  uint32_t tag;      // echoed in the reply
  uint32_t payload;  // bytes after the header
};
static_assert(sizeof(Header) == 16);

struct Empty {};
struct AddBuffer {
  uint64_t bytes;
};
struct BufferRef {
  uint64_t iova;
};
struct MapBuffer {
  uint64_t iova;
  uint32_t access;
  uint32_t pad;  // must be 0
};
struct AddQueue {
  uint32_t entries;
  uint32_t pad;  // must be 0
};
struct QueueRef {
  uint32_t qid;
  uint32_t pad;  // must be 0
};
struct ReadError {
  uint32_t clear;  // 0 or 1
  uint32_t pad;    // must be 0
};
static_assert(sizeof(AddBuffer) == 8 && sizeof(BufferRef) == 8 && sizeof(MapBuffer) == 16);
static_assert(sizeof(AddQueue) == 8 && sizeof(QueueRef) == 8 && sizeof(ReadError) == 8);

// Reply payloads start with the status (an hycim_result).
struct Reply {
  int32_t status;
  uint32_t pad;
};
struct ReplyValue {
  Reply r;
  uint64_t value;
};
struct ReplyCaps {
  Reply r;
  uint32_t caps[13];  // hycim_caps, in declaration order
  uint32_t pad;
};
struct ReplyError {
  Reply r;
  uint32_t code, seq;
  uint64_t addr;
  uint32_t count, pad;
};
struct ReplyInfo {
  Reply r;
  uint32_t contexts, nvm_rows_programmed, nvm_max_wear, pad;
  uint64_t commands;
  char tile_config[32];
  char tile_kind[16];
  char nvm_image[256];
};
// Usage (driver.hpp) in declaration order; energies and time as IEEE-754
// doubles (both ends are on one host).
struct ReplyUsage {
  Reply r;
  uint64_t commands, tile_cycles, macs, row_activations, nvm_programs, dma_bytes;
  double energy_array_pj, energy_shift_add_pj, energy_sram_pj, energy_nvm_program_pj, energy_dma_pj;
  double device_time_ns;
};
static_assert(sizeof(Reply) == 8 && sizeof(ReplyValue) == 16 && sizeof(ReplyCaps) == 64);
static_assert(sizeof(ReplyError) == 32 && sizeof(ReplyInfo) == 336 && sizeof(ReplyUsage) == 104);
static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == 8);
static_assert(sizeof(Header) + sizeof(ReplyInfo) <= kMaxMessage);

// A request that passed parse_request; `payload` holds the type's struct.
struct Request {
  Type type{};
  uint32_t tag = 0;
  union {
    AddBuffer add_buffer;
    BufferRef buffer;
    MapBuffer map;
    AddQueue add_queue;
    QueueRef queue;
    ReadError read_error;
  };
  Request() : add_buffer{} {}
};

// Validates one received message (bytes and the number of fds that came with
// it). True and *out filled, or false and *why naming the first problem.
bool parse_request(std::span<const uint8_t> msg, size_t nfds, Request* out, std::string* why);
// Validates a reply to a request of type `expected` with tag `tag`; the reply
// payload must be exactly reply_size(expected) bytes.
bool check_reply(std::span<const uint8_t> msg, Type expected, uint32_t tag, std::string* why);
size_t request_size(Type t);  // payload bytes; 0 for unknown types
size_t request_fds(Type t);
size_t reply_size(Type t);

}  // namespace hycim::driver::wire
