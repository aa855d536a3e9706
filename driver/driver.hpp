// hycim user-space driver: the C++ API (the C API in hycim_driver.h wraps it).
//
//   auto dev = hycim::driver::Device::open("sim://?config=small");
//   auto buf = dev->alloc(4096);                      // shared memory + IOVA
//   buf->map(HYCIM_ACCESS_READ | HYCIM_ACCESS_WRITE); // one DMA window
//   auto q = dev->create_queue(64);
//   q->submit(cmd::mvm(...));  q->wait(out, 1, 1000ms, &n);
//
// Opening, allocating and creating throw DriverError (set-up time); the
// submit/poll/wait/map/error/reset paths return a Status. One Device is one
// context on the device: its own queues, buffers and DMA windows. Buffers and
// queues keep the connection alive, so they may outlive their Device object.
// Backends (sim://, unix://) and the wire protocol: docs/driver.md.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "driver/hycim_driver.h"
#include "hycim/spec/device_spec.hpp"

namespace hycim::driver {

using spec::device::CommandRecord;
using spec::device::CompletionRecord;

// The C API's result codes, as a C++ enum (same values).
enum class Status : int {
  kOk = HYCIM_OK,
  kInvalid = HYCIM_E_INVALID,
  kNotFound = HYCIM_E_NOT_FOUND,
  kNoSpace = HYCIM_E_NO_SPACE,
  kTimeout = HYCIM_E_TIMEOUT,
  kDisconnected = HYCIM_E_DISCONNECTED,
  kProtocol = HYCIM_E_PROTOCOL,
  kBusy = HYCIM_E_BUSY,
  kIo = HYCIM_E_IO,
  kPermission = HYCIM_E_PERMISSION,
  kFaulted = HYCIM_E_FAULTED,
  kInternal = HYCIM_E_INTERNAL,
};
const char* to_string(Status s);

// Thrown by open/alloc/create_queue: the status and a message naming the
// problem (URI key, path, system error).
struct DriverError : std::runtime_error {
  DriverError(Status s, const std::string& what) : std::runtime_error(what), status(s) {}
  Status status;
};

using Capabilities = hycim_caps;

// Throws DriverError(kProtocol) naming both versions when the device's
// VERSION major differs from the command format this driver builds;
// Device::open calls it on every device.
void check_command_format(const Capabilities& caps, std::string_view uri);
using ErrorInfo = hycim_error_info;

// What `hycim info` shows beyond the capabilities.
struct DeviceInfo {
  std::string backend;  // "sim" or "unix"
  // Names the device instance within this process: two handles with the same
  // id reach the same device (the same NVM rows), different ids different
  // devices. "sim://#N" for the N-th in-process device, "unix://PATH".
  std::string id;
  std::string tile_config;           // named tile configuration
  std::string tile_kind;             // "model" or "rtl"
  std::string nvm_image;             // empty: NVM not persistent
  uint32_t contexts = 0;             // contexts open on the device (all processes)
  uint32_t nvm_rows_programmed = 0;  // NVM rows with wear > 0, all tiles
  uint32_t nvm_max_wear = 0;
  uint64_t commands = 0;  // commands completed since the device started
  // How the device's NVM fails and what protects it (docs/device.md, "NVM
  // faults, ECC and ageing"): the setup it runs with, its image's when it was
  // opened on one with a fault record. Unset: its cells never fail.
  struct Faults {
    std::string model;  // the fault model's name (spec/faults, or its JSON's "name")
    uint64_t seed = 0;
    std::string ecc;    // "secded" or "none"
    double temp_c = 0;  // operating temperature, C
    uint32_t verify_retries = 0;
    uint32_t spare_rows = 0;  // per tile: where rows failing write-verify move
  };
  std::optional<Faults> faults;
  // Row ownership (docs/driver.md "Row ownership"): the owner identity this
  // context acts for, and the NVM rows that owner holds on the device.
  std::string owner;
  uint32_t nvm_rows_owned = 0;
};

// Who may use an NVM row, as the asking context's owner sees it
// (docs/driver.md "Row ownership"). NVM rows belong to an owner identity,
// "uid:U/NAMESPACE", not to one context, so the same owner finds its rows
// again from another process; the engine checks every command against them.
enum class RowAccess : uint8_t {
  kFree = 0,        // nobody's: the first command that programs or reads it claims it
  kMine = 1,        // this owner's
  kMineShared = 2,  // this owner's, shared read-only with every owner
  kShared = 3,      // another owner's, shared read-only: MVM, EMUL, READ_SRAM may read it
  kTheirs = 4,      // another owner's: every command touching it is refused (ROW_DENIED)
  kReleased = 5,    // given back by its owner, old bits still in it: reads are refused until a
                    // PROGRAM_NVM claims it
};
const char* to_string(RowAccess a);
// What release_rows/share_rows ask of a row range (one wire message, one
// engine call).
enum class RowsOp : uint32_t { kRelease = 0, kShare = 1, kUnshare = 2 };
// Rows one row_access call of a backend answers at most (one wire reply).
inline constexpr uint32_t kRowAccessChunk = 256;
// The URI key naming the owner's namespace (both schemes), its default, and
// whether a name is one: 1-63 of [A-Za-z0-9._-].
inline constexpr const char* kOwnerKey = "owner";
inline constexpr const char* kDefaultOwnerNamespace = "default";
inline constexpr size_t kMaxOwnerNamespace = 63;
bool valid_owner_namespace(std::string_view name);
// "uid:U/NAMESPACE": the identity rows belong to.
std::string owner_identity(uint32_t uid, std::string_view name_space);

// What this context's commands made the device do since the context opened
// (device stats of the commands of this context's queues, plus the DMA of
// fetching those commands and writing their completions): the device's own
// counts and energy model, so a caller reports energy per inference without
// recomputing it. Other contexts' work is never in it. The C ABI's struct is
// the one definition: the daemon sends it as its USAGE reply unchanged, so no
// layer copies it field by field. Value-initialize it (`Usage u{}`).
using Usage = hycim_usage;

// The fields of Usage that add up (over batches, contexts and devices), by
// their C names: the one list the runtime's sums and reports walk, so a field
// added to hycim_usage is added here and nowhere else. `device_time_ns` is a
// clock and `energy_total_pj` the sum of kUsageEnergies (usage_energy_total),
// so neither is listed.
struct UsageCount {
  const char* name;
  uint64_t Usage::*field;
};
struct UsageEnergy {
  const char* name;
  double Usage::*field;
};
inline constexpr UsageCount kUsageCounts[] = {
    {"commands", &Usage::commands},
    {"tile_cycles", &Usage::tile_cycles},
    {"macs", &Usage::macs},
    {"row_activations", &Usage::row_activations},
    {"nvm_programs", &Usage::nvm_programs},
    {"dma_bytes", &Usage::dma_bytes},
    {"ecc_corrected", &Usage::ecc_corrected},
    {"ecc_uncorrectable", &Usage::ecc_uncorrectable},
    {"nvm_program_retries", &Usage::nvm_program_retries},
    {"nvm_scrubbed_rows", &Usage::nvm_scrubbed_rows},
    {"nvm_remapped_rows", &Usage::nvm_remapped_rows},
};
inline constexpr UsageEnergy kUsageEnergies[] = {
    {"energy_array_pj", &Usage::energy_array_pj},
    {"energy_shift_add_pj", &Usage::energy_shift_add_pj},
    {"energy_sram_pj", &Usage::energy_sram_pj},
    {"energy_nvm_program_pj", &Usage::energy_nvm_program_pj},
    {"energy_dma_pj", &Usage::energy_dma_pj},
    {"energy_ecc_pj", &Usage::energy_ecc_pj},
};
// What energy_total_pj holds: the components, summed in kUsageEnergies' order.
inline double usage_energy_total(const Usage& u) {
  double total = 0;
  for (const UsageEnergy& e : kUsageEnergies) total += u.*e.field;
  return total;
}

// One tile's NVM health counters since the device started: every context's
// commands on it and the device's background scrub (hycim_tile_health); and
// its fields by their C names (the same names as Usage's counts of the same
// events). nvm_spare_rows_used is the tile's lifetime count, kept in its NVM
// image, so two readings differ only by the spare rows used in between.
using TileHealth = hycim_tile_health;
struct TileHealthCount {
  const char* name;
  uint64_t TileHealth::*field;
};
inline constexpr TileHealthCount kTileHealthCounts[] = {
    {"ecc_corrected", &TileHealth::ecc_corrected},
    {"ecc_uncorrectable", &TileHealth::ecc_uncorrectable},
    {"nvm_program_retries", &TileHealth::nvm_program_retries},
    {"nvm_scrubbed_rows", &TileHealth::nvm_scrubbed_rows},
    {"nvm_remapped_rows", &TileHealth::nvm_remapped_rows},
    {"nvm_spare_rows_used", &TileHealth::nvm_spare_rows_used},
};

class Backend;

class Buffer {
 public:
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  void* data() const { return data_; }
  std::span<uint8_t> bytes() const { return {static_cast<uint8_t*>(data_), size_}; }
  size_t size() const { return size_; }
  uint64_t iova() const { return iova_; }
  // Device access (HYCIM_ACCESS_* bits) through one DMA window.
  Status map(uint32_t access);
  Status unmap();

 private:
  friend class Device;
  Buffer(std::shared_ptr<Backend> b, void* data, size_t size, uint64_t iova)
      : backend_(std::move(b)), data_(data), size_(size), iova_(iova) {}
  std::shared_ptr<Backend> backend_;
  void* data_;
  size_t size_;
  uint64_t iova_;
};

class Queue {
 public:
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  uint32_t entries() const;
  // Submitted and not yet returned by poll/wait.
  uint32_t outstanding() const;
  // Copies records into the ring in order and rings the doorbell once.
  // kNoSpace when the queue filled up (*accepted tells how many went in).
  Status submit(std::span<const CommandRecord> cmds, size_t* accepted = nullptr);
  Status submit(const CommandRecord& cmd) { return submit({&cmd, 1}); }
  // Completions available now, in submission order.
  Status poll(std::span<CompletionRecord> out, size_t* n);
  // Waits for at least `min` completions (timeout < 0: forever).
  Status wait(std::span<CompletionRecord> out, size_t min, std::chrono::milliseconds timeout,
              size_t* n);
  // The context's usage as the device left it with this queue's last batch
  // of completions, read from the queue's memory: no request to the device.
  // False before the queue's first batch (then ask Device::usage()).
  bool last_usage(Usage* out) const;

 private:
  friend class Device;
  struct Impl;
  explicit Queue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Device {
 public:
  // Opens `uri` (sim://..., unix://PATH). Throws DriverError.
  static std::unique_ptr<Device> open(std::string_view uri);
  // URIs of the reachable devices: sim:// and every live daemon socket in
  // $HYCIM_SOCKET_DIR (default $XDG_RUNTIME_DIR/hycim, else /tmp/hycim-UID).
  static std::vector<std::string> enumerate();
  ~Device();

  const std::string& uri() const { return uri_; }
  const Capabilities& capabilities() const;
  Status info(DeviceInfo* out) const;
  // This context's usage so far. kOk, kTimeout, kDisconnected.
  Status usage(Usage* out) const;
  // Tile `tile`'s NVM health counters, device-wide. kOk, kInvalid (no such
  // tile), kTimeout, kDisconnected.
  Status tile_health(uint32_t tile, TileHealth* out) const;
  // Shared memory with an IOVA in this context, unmapped. Throws DriverError.
  std::unique_ptr<Buffer> alloc(size_t bytes);
  // A queue of `entries` slots (power of two). Throws DriverError.
  std::unique_ptr<Queue> create_queue(uint32_t entries);
  Status read_error(ErrorInfo* out, bool clear = false);
  // Runs this context's submitted work, then clears its error log and zeroes
  // the SRAM rows its owner wrote; other owners' rows are untouched.
  Status reset(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

  // Row ownership (docs/driver.md "Row ownership").
  // The identity this context's commands act for ("uid:U/NAMESPACE").
  const std::string& owner() const;
  // How this context's owner may use NVM rows first_row.. of `tile`, one
  // entry per element of `out`. kOk; kInvalid (no such tile, rows beyond
  // the tile's NVM rows); kTimeout, kDisconnected.
  Status row_access(uint32_t tile, uint32_t first_row, std::span<RowAccess> out) const;
  // Gives back this owner's NVM rows row..row+count-1 (they become
  // kReleased). kOk; kPermission when one is not this owner's or is shared
  // (nothing changes); kInvalid; kTimeout, kDisconnected.
  Status release_rows(uint32_t tile, uint32_t row, uint32_t count);
  // Shares this owner's rows read-only with every owner (or takes the share
  // back). While shared, nobody may program them. Same statuses as
  // release_rows.
  Status share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared);

 private:
  Device(std::string uri, std::shared_ptr<Backend> b)
      : uri_(std::move(uri)), backend_(std::move(b)) {}
  std::string uri_;
  std::shared_ptr<Backend> backend_;
};

}  // namespace hycim::driver
