// The C API (hycim_driver.h) over the C++ driver. Every entry point catches
// everything: no exception crosses the C boundary; the message of a failure
// is kept per thread for hycim_get_last_error().
#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "driver/command_builders.hpp"
#include "driver/driver.hpp"
#include "driver/hycim_driver.h"

namespace hd = hycim::driver;
namespace sd = hycim::spec::device;

struct hycim_device {
  std::unique_ptr<hd::Device> dev;
};
struct hycim_buffer {
  std::unique_ptr<hd::Buffer> buf;
};
struct hycim_queue {
  std::unique_ptr<hd::Queue> q;
};

// The C mirrors must stay byte-identical to the spec's records.
static_assert(sizeof(hycim_command) == sizeof(sd::CommandRecord));
static_assert(sizeof(hycim_completion) == sizeof(sd::CompletionRecord));
static_assert(offsetof(hycim_completion, seq) == offsetof(sd::CompletionRecord, seq));
static_assert(offsetof(hycim_completion, status) == offsetof(sd::CompletionRecord, status));
static_assert(offsetof(hycim_completion, opcode) == offsetof(sd::CompletionRecord, opcode));
static_assert(offsetof(hycim_completion, flags) == offsetof(sd::CompletionRecord, flags));
static_assert(offsetof(hycim_completion, cycles) == offsetof(sd::CompletionRecord, cycles));
static_assert(HYCIM_ACCESS_READ == sd::win_ctrl::kRead &&
              HYCIM_ACCESS_WRITE == sd::win_ctrl::kWrite);
// hycim_get_row_access writes RowAccess values as they are.
static_assert(sizeof(hd::RowAccess) == sizeof(uint8_t));
static_assert(HYCIM_ROW_FREE == static_cast<int>(hd::RowAccess::kFree));
static_assert(HYCIM_ROW_MINE == static_cast<int>(hd::RowAccess::kMine));
static_assert(HYCIM_ROW_MINE_SHARED == static_cast<int>(hd::RowAccess::kMineShared));
static_assert(HYCIM_ROW_SHARED == static_cast<int>(hd::RowAccess::kShared));
static_assert(HYCIM_ROW_THEIRS == static_cast<int>(hd::RowAccess::kTheirs));
static_assert(HYCIM_ROW_RELEASED == static_cast<int>(hd::RowAccess::kReleased));

namespace {

constexpr int kOk = HYCIM_OK;
thread_local std::string last_error;

int fail(hd::Status st, const std::string& what) {
  last_error = what;
  return static_cast<int>(st);
}

int result(hd::Status st, const char* call) {
  if (st != hd::Status::kOk) last_error = std::string(call) + ": " + hd::to_string(st);
  return static_cast<int>(st);
}

// Runs f, turning every exception into a result code and a message.
template <class F>
int guarded(F&& f) {
  try {
    return f();
  } catch (const hd::DriverError& e) {
    return fail(e.status, e.what());
  } catch (const std::bad_alloc&) {
    return fail(hd::Status::kNoSpace, "out of memory");
  } catch (const std::exception& e) {
    return fail(hd::Status::kInternal, e.what());
  } catch (...) {
    return fail(hd::Status::kInternal, "unknown exception");
  }
}

int invalid(const char* what) {
  return fail(hd::Status::kInvalid, what);
}

void store(hycim_command* c, const sd::CommandRecord& r) {
  if (c) std::memcpy(c->bytes, &r, sizeof r);
}

}  // namespace

extern "C" {

const char* hycim_get_result_name(int r) {
  switch (r) {
    case HYCIM_OK:
      return "HYCIM_OK";
    case HYCIM_E_INVALID:
      return "HYCIM_E_INVALID";
    case HYCIM_E_NOT_FOUND:
      return "HYCIM_E_NOT_FOUND";
    case HYCIM_E_NO_SPACE:
      return "HYCIM_E_NO_SPACE";
    case HYCIM_E_TIMEOUT:
      return "HYCIM_E_TIMEOUT";
    case HYCIM_E_DISCONNECTED:
      return "HYCIM_E_DISCONNECTED";
    case HYCIM_E_PROTOCOL:
      return "HYCIM_E_PROTOCOL";
    case HYCIM_E_BUSY:
      return "HYCIM_E_BUSY";
    case HYCIM_E_IO:
      return "HYCIM_E_IO";
    case HYCIM_E_PERMISSION:
      return "HYCIM_E_PERMISSION";
    case HYCIM_E_FAULTED:
      return "HYCIM_E_FAULTED";
    case HYCIM_E_INTERNAL:
      return "HYCIM_E_INTERNAL";
  }
  return "unknown";
}

const char* hycim_get_status_name(uint32_t status) {
  return status > 0xff ? "UNKNOWN" : sd::to_string(static_cast<sd::DevStatus>(status));
}

const char* hycim_get_last_error(void) {
  return last_error.c_str();
}

int hycim_enumerate_devices(char* buf, size_t len, size_t* needed) {
  return guarded([&] {
    if (!needed || (!buf && len > 0)) return invalid("hycim_enumerate_devices: NULL argument");
    std::string all;
    for (const auto& uri : hd::Device::enumerate()) all += uri + "\n";
    *needed = all.size() + 1;
    if (len > 0) {
      const size_t n = std::min(len - 1, all.size());
      std::memcpy(buf, all.data(), n);
      buf[n] = '\0';
    }
    return *needed <= len ? kOk : fail(hd::Status::kNoSpace, "enumerate: buffer too short");
  });
}

int hycim_open_device(const char* uri, hycim_device** out) {
  return guarded([&] {
    if (!uri || !out) return invalid("hycim_open_device: NULL argument");
    *out = nullptr;
    auto h = std::make_unique<hycim_device>();
    h->dev = hd::Device::open(uri);
    *out = h.release();
    return kOk;
  });
}

void hycim_close_device(hycim_device* dev) {
  guarded([&] {
    delete dev;
    return kOk;
  });
}

int hycim_get_caps(hycim_device* dev, hycim_caps* out) {
  if (!dev || !out) return invalid("hycim_get_caps: NULL argument");
  *out = dev->dev->capabilities();
  return kOk;
}

int hycim_read_error(hycim_device* dev, int clear, hycim_error_info* out) {
  return guarded([&] {
    if (!dev || !out) return invalid("hycim_read_error: NULL argument");
    return result(dev->dev->read_error(out, clear != 0), "read_error");
  });
}

int hycim_get_usage(hycim_device* dev, hycim_usage* out) {
  return guarded([&] {
    if (!dev || !out) return invalid("hycim_get_usage: NULL argument");
    return result(dev->dev->usage(out), "usage");
  });
}

int hycim_get_tile_health(hycim_device* dev, uint32_t tile, hycim_tile_health* out) {
  return guarded([&] {
    if (!dev || !out) return invalid("hycim_get_tile_health: NULL argument");
    const uint32_t tiles = dev->dev->capabilities().tiles;
    if (tile >= tiles)
      return fail(hd::Status::kInvalid, "hycim_get_tile_health: tile " + std::to_string(tile) +
                                            " does not exist: the device has " +
                                            std::to_string(tiles) + " tiles (0.." +
                                            std::to_string(tiles - 1) + ")");
    return result(dev->dev->tile_health(tile, out), "tile_health");
  });
}

int hycim_reset_device(hycim_device* dev, int timeout_ms) {
  return guarded([&] {
    if (!dev) return invalid("hycim_reset_device: NULL device");
    return result(dev->dev->reset(std::chrono::milliseconds(timeout_ms)), "reset");
  });
}

int hycim_get_owner(const hycim_device* dev, char* buf, size_t len) {
  return guarded([&] {
    if (!dev || (!buf && len > 0)) return invalid("hycim_get_owner: NULL argument");
    const std::string& owner = dev->dev->owner();
    if (len > 0) {
      const size_t n = std::min(len - 1, owner.size());
      std::memcpy(buf, owner.data(), n);
      buf[n] = '\0';
    }
    return owner.size() < len
               ? kOk
               : fail(hd::Status::kNoSpace, "hycim_get_owner: buffer of " + std::to_string(len) +
                                                " bytes, the owner needs " +
                                                std::to_string(owner.size() + 1));
  });
}

int hycim_get_row_access(hycim_device* dev, uint32_t tile, uint32_t first_row, uint32_t count,
                         uint8_t* out) {
  return guarded([&] {
    if (!dev || (!out && count > 0)) return invalid("hycim_get_row_access: NULL argument");
    if (count == 0) return kOk;
    std::vector<hd::RowAccess> access(count);
    const hd::Status st = dev->dev->row_access(tile, first_row, access);
    if (st == hd::Status::kOk) std::memcpy(out, access.data(), count);
    return result(st, "row_access");
  });
}

int hycim_release_rows(hycim_device* dev, uint32_t tile, uint32_t row, uint32_t count) {
  return guarded([&] {
    if (!dev) return invalid("hycim_release_rows: NULL device");
    return result(dev->dev->release_rows(tile, row, count), "release_rows");
  });
}

int hycim_share_rows(hycim_device* dev, uint32_t tile, uint32_t row, uint32_t count, int shared) {
  return guarded([&] {
    if (!dev) return invalid("hycim_share_rows: NULL device");
    return result(dev->dev->share_rows(tile, row, count, shared != 0), "share_rows");
  });
}

int hycim_alloc_buffer(hycim_device* dev, size_t bytes, hycim_buffer** out) {
  return guarded([&] {
    if (!dev || !out) return invalid("hycim_alloc_buffer: NULL argument");
    *out = nullptr;
    auto h = std::make_unique<hycim_buffer>();
    h->buf = dev->dev->alloc(bytes);
    *out = h.release();
    return kOk;
  });
}

void hycim_free_buffer(hycim_buffer* buf) {
  guarded([&] {
    delete buf;
    return kOk;
  });
}

void* hycim_get_buffer_data(hycim_buffer* buf) {
  return buf ? buf->buf->data() : nullptr;
}

size_t hycim_get_buffer_size(const hycim_buffer* buf) {
  return buf ? buf->buf->size() : 0;
}

uint64_t hycim_get_buffer_iova(const hycim_buffer* buf) {
  return buf ? buf->buf->iova() : 0;
}

int hycim_map_buffer(hycim_buffer* buf, unsigned access) {
  return guarded([&] {
    if (!buf) return invalid("hycim_map_buffer: NULL buffer");
    return result(buf->buf->map(access), "buffer_map");
  });
}

int hycim_unmap_buffer(hycim_buffer* buf) {
  return guarded([&] {
    if (!buf) return invalid("hycim_unmap_buffer: NULL buffer");
    return result(buf->buf->unmap(), "buffer_unmap");
  });
}

int hycim_create_queue(hycim_device* dev, uint32_t entries, hycim_queue** out) {
  return guarded([&] {
    if (!dev || !out) return invalid("hycim_create_queue: NULL argument");
    *out = nullptr;
    auto h = std::make_unique<hycim_queue>();
    h->q = dev->dev->create_queue(entries);
    *out = h.release();
    return kOk;
  });
}

void hycim_destroy_queue(hycim_queue* q) {
  guarded([&] {
    delete q;
    return kOk;
  });
}

int hycim_submit_commands(hycim_queue* q, const hycim_command* cmds, size_t n, size_t* accepted) {
  return guarded([&] {
    if (!q || (!cmds && n > 0)) return invalid("hycim_submit_commands: NULL argument");
    // hycim_command is a byte array; copy into aligned records in chunks.
    size_t done = 0;
    hd::Status st = hd::Status::kOk;
    while (done < n && st == hd::Status::kOk) {
      sd::CommandRecord chunk[64];
      const size_t k = std::min<size_t>(64, n - done);
      std::memcpy(chunk, cmds + done, k * sizeof chunk[0]);
      size_t took = 0;
      st = q->q->submit({chunk, k}, &took);
      done += took;
    }
    if (accepted) *accepted = done;
    return result(st, "queue_submit");
  });
}

int hycim_poll_completions(hycim_queue* q, hycim_completion* out, size_t max, size_t* n) {
  return guarded([&] {
    if (!q || !n || (!out && max > 0)) return invalid("hycim_poll_completions: NULL argument");
    return result(q->q->poll({reinterpret_cast<sd::CompletionRecord*>(out), max}, n), "queue_poll");
  });
}

int hycim_wait_completions(hycim_queue* q, hycim_completion* out, size_t max, size_t min,
                           int timeout_ms, size_t* n) {
  return guarded([&] {
    if (!q || !n || (!out && max > 0)) return invalid("hycim_wait_completions: NULL argument");
    return result(q->q->wait({reinterpret_cast<sd::CompletionRecord*>(out), max}, min,
                             std::chrono::milliseconds(timeout_ms), n),
                  "queue_wait");
  });
}

namespace cmd = hycim::driver::cmd;

void hycim_build_nop(hycim_command* c, uint32_t seq) {
  store(c, cmd::nop(seq));
}
void hycim_build_fence(hycim_command* c, uint32_t seq) {
  store(c, cmd::fence(seq));
}
void hycim_build_write_sram(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                            uint32_t count, uint64_t src) {
  store(c, cmd::write_sram(seq, tile, row, count, src));
}
void hycim_build_read_sram(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                           uint32_t count, uint64_t dst) {
  store(c, cmd::read_sram(seq, tile, row, count, dst));
}
void hycim_build_program_nvm(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                             uint32_t count, uint64_t src) {
  store(c, cmd::program_nvm(seq, tile, row, count, src));
}
void hycim_build_read_wear(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                           uint32_t count, uint64_t dst) {
  store(c, cmd::read_wear(seq, tile, row, count, dst));
}
void hycim_build_scrub(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t row,
                       uint32_t count) {
  store(c, cmd::scrub(seq, tile, row, count));
}
void hycim_build_mvm(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t w_row, uint32_t k,
                     uint32_t x_row, uint64_t src, uint64_t dst) {
  store(c, cmd::mvm(seq, tile, w_row, k, x_row, src, dst));
}
void hycim_build_emul(hycim_command* c, uint32_t seq, uint16_t tile, uint32_t nvm_row,
                      uint32_t sram_row, uint64_t dst) {
  store(c, cmd::emul(seq, tile, nvm_row, sram_row, dst));
}

}  // extern "C"
