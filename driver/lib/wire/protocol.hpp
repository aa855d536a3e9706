// The hycimd wire protocol: one SOCK_SEQPACKET message per request and per
// reply, a fixed 16-byte header and a fixed-size payload per type, file
// descriptors as SCM_RIGHTS. Fixed-width little-endian structs with their
// sizes asserted; docs/driver.md has the table.
//
// Every request gets exactly one reply with the same tag. A message that
// fails parse_request (wrong size, magic, version, type, fd count, non-zero
// padding, a field out of its range) is refused: the daemon logs it and
// closes the connection. HELLO comes first and once: it names the owner
// namespace the connection's context acts for, and the daemon opens the
// context only then; any other request before it, or a second HELLO, is
// refused the same way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "driver/driver.hpp"
#include "driver/hycim_driver.h"

namespace hycim::driver::wire {

inline constexpr uint32_t kMagic = 0x44594348;  // "HCYD" little-endian
// 2: the HELLO and USAGE replies carry hycim_caps and hycim_usage whole.
// 3: command records of device format 2.x (16-bit tile).
// 4: hycim_usage gains the ECC counters and energy, INFO the NVM's fault
//    setup, and TILE_HEALTH is new.
// 5: hycim_usage and hycim_tile_health gain the rows remapped to spare rows,
//    hycim_tile_health the spare rows used, INFO the spare rows per tile.
// 6: HELLO names the owner namespace and its reply the owner identity; INFO
//    gains the owner and its rows; ROW_ACCESS and SET_ROWS are new.
// 7: a queue's memory carries the context's usage after each batch
//    (queue_layout.hpp: a 448-byte header), so ADD_QUEUE takes a larger ring.
inline constexpr uint16_t kVersion = 7;
inline constexpr size_t kMaxFds = 3;
inline constexpr size_t kMaxMessage = 1024;

enum class Type : uint16_t {
  kHello = 1,         // Hello -> ReplyHello
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
  kTileHealth = 12,   // TileRef -> ReplyTileHealth
  kRowAccess = 13,    // RowAccessRef -> ReplyRowAccess
  kSetRows = 14,      // SetRows -> Reply
  kReply = 0x8000,    // any reply: Reply + type-specific tail
};
// Request types are kHello..kLastRequest, without gaps.
inline constexpr Type kLastRequest = Type::kSetRows;

struct Header {
  uint32_t magic;
  uint16_t version;
  uint16_t type;
  uint32_t tag;      // echoed in the reply
  uint32_t payload;  // bytes after the header
};
static_assert(sizeof(Header) == 16);

struct Empty {};
// The owner namespace (valid_owner_namespace), NUL-terminated; every byte
// after the first NUL is 0. The client sends kDefaultOwnerNamespace when its
// URI names none.
struct Hello {
  char owner_namespace[kMaxOwnerNamespace + 1];
};
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
struct TileRef {
  uint32_t tile;
  uint32_t pad;  // must be 0
};
struct RowAccessRef {
  uint32_t tile;
  uint32_t first_row;
  uint32_t count;  // 1..kRowAccessChunk
  uint32_t pad;    // must be 0
};
struct SetRows {
  uint32_t tile, row, count;
  uint32_t op;  // a RowsOp: 0 release, 1 share, 2 unshare
};
static_assert(sizeof(Hello) == 64);
static_assert(sizeof(AddBuffer) == 8 && sizeof(BufferRef) == 8 && sizeof(MapBuffer) == 16);
static_assert(sizeof(AddQueue) == 8 && sizeof(QueueRef) == 8 && sizeof(ReadError) == 8);
static_assert(sizeof(TileRef) == 8 && sizeof(RowAccessRef) == 16 && sizeof(SetRows) == 16);
// The largest request payload (Request::raw holds any).
inline constexpr size_t kMaxRequestPayload = sizeof(Hello);

// Reply payloads start with the status (an hycim_result).
struct Reply {
  int32_t status;
  uint32_t pad;
};
struct ReplyValue {
  Reply r;
  uint64_t value;
};
// Room for an owner identity ("uid:U/NAMESPACE") and its NUL.
inline constexpr size_t kOwnerField = 96;
static_assert(sizeof("uid:4294967295/") + kMaxOwnerNamespace <= kOwnerField);
// The C ABI's struct is the payload, so both ends share one definition.
// owner: the identity the daemon formed (peer uid, HELLO's namespace),
// NUL-terminated.
struct ReplyHello {
  Reply r;
  hycim_caps caps;
  uint32_t pad;
  char owner[kOwnerField];
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
  // The NVM's fault setup (DeviceInfo::faults); has_faults 0: none, and the
  // other fields are zero.
  uint32_t has_faults, verify_retries;
  uint64_t fault_seed;
  double temp_c;
  char fault_model[64];
  char ecc[8];
  uint32_t spare_rows;  // spare NVM rows per tile
  uint32_t pad2;
  // Row ownership: this context's owner identity and the NVM rows it holds.
  char owner[kOwnerField];
  uint32_t nvm_rows_owned;
  uint32_t pad3;
};
// hycim_usage whole; energies and time as IEEE-754 doubles (both ends are on
// one host).
struct ReplyUsage {
  Reply r;
  hycim_usage usage;
};
struct ReplyTileHealth {
  Reply r;
  hycim_tile_health health;
};
// One RowAccess byte per row asked for; entries beyond the count are 0.
struct ReplyRowAccess {
  Reply r;
  uint8_t access[kRowAccessChunk];
};
static_assert(sizeof(Reply) == 8 && sizeof(ReplyValue) == 16 && sizeof(ReplyHello) == 160);
static_assert(sizeof(ReplyError) == 32 && sizeof(ReplyInfo) == 544 && sizeof(ReplyUsage) == 160);
static_assert(sizeof(ReplyTileHealth) == 56 && sizeof(ReplyRowAccess) == 264);
static_assert(sizeof(RowAccess) == 1);

// The C ABI structs that travel whole: fixed width, no padding, every field at
// the offset the daemon and its clients agree on. A field added to
// hycim_driver.h fails here until the wire version is bumped with it.
static_assert(sizeof(hycim_caps) == 13 * sizeof(uint32_t));
static_assert(offsetof(hycim_caps, id) == 0 && offsetof(hycim_caps, version) == 4 &&
              offsetof(hycim_caps, tiles) == 8 && offsetof(hycim_caps, nvm_rows) == 12 &&
              offsetof(hycim_caps, sram_rows) == 16 && offsetof(hycim_caps, lanes) == 20 &&
              offsetof(hycim_caps, wbits) == 24 && offsetof(hycim_caps, xbits) == 28 &&
              offsetof(hycim_caps, acc_bits) == 32 && offsetof(hycim_caps, rows_per_cycle) == 36 &&
              offsetof(hycim_caps, dma_windows) == 40 && offsetof(hycim_caps, flags) == 44 &&
              offsetof(hycim_caps, max_queue_entries) == 48);
static_assert(sizeof(hycim_usage) == 19 * 8);
static_assert(offsetof(hycim_usage, commands) == 0 && offsetof(hycim_usage, tile_cycles) == 8 &&
              offsetof(hycim_usage, macs) == 16 && offsetof(hycim_usage, row_activations) == 24 &&
              offsetof(hycim_usage, nvm_programs) == 32 && offsetof(hycim_usage, dma_bytes) == 40 &&
              offsetof(hycim_usage, energy_array_pj) == 48 &&
              offsetof(hycim_usage, energy_shift_add_pj) == 56 &&
              offsetof(hycim_usage, energy_sram_pj) == 64 &&
              offsetof(hycim_usage, energy_nvm_program_pj) == 72 &&
              offsetof(hycim_usage, energy_dma_pj) == 80 &&
              offsetof(hycim_usage, energy_total_pj) == 88 &&
              offsetof(hycim_usage, device_time_ns) == 96 &&
              offsetof(hycim_usage, ecc_corrected) == 104 &&
              offsetof(hycim_usage, ecc_uncorrectable) == 112 &&
              offsetof(hycim_usage, nvm_program_retries) == 120 &&
              offsetof(hycim_usage, nvm_scrubbed_rows) == 128 &&
              offsetof(hycim_usage, energy_ecc_pj) == 136 &&
              offsetof(hycim_usage, nvm_remapped_rows) == 144);
static_assert(sizeof(hycim_tile_health) == 6 * 8);
static_assert(offsetof(hycim_tile_health, ecc_corrected) == 0 &&
              offsetof(hycim_tile_health, ecc_uncorrectable) == 8 &&
              offsetof(hycim_tile_health, nvm_program_retries) == 16 &&
              offsetof(hycim_tile_health, nvm_scrubbed_rows) == 24 &&
              offsetof(hycim_tile_health, nvm_remapped_rows) == 32 &&
              offsetof(hycim_tile_health, nvm_spare_rows_used) == 40);
static_assert(std::numeric_limits<double>::is_iec559 && sizeof(double) == 8);
static_assert(sizeof(Header) + sizeof(ReplyInfo) <= kMaxMessage);
static_assert(sizeof(Header) + sizeof(ReplyRowAccess) <= kMaxMessage);
static_assert(sizeof(Header) + sizeof(ReplyHello) <= kMaxMessage);
static_assert(sizeof(Header) + kMaxRequestPayload <= kMaxMessage);

// A request that passed parse_request; the union holds the type's struct.
struct Request {
  Type type{};
  uint32_t tag = 0;
  union {
    uint8_t raw[kMaxRequestPayload];  // the payload as received
    Hello hello;
    AddBuffer add_buffer;
    BufferRef buffer;
    MapBuffer map;
    AddQueue add_queue;
    QueueRef queue;
    ReadError read_error;
    TileRef tile;
    RowAccessRef row_access;
    SetRows set_rows;
  };
  Request() : raw{} {}
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
