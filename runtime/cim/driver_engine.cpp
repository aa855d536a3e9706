#include "runtime/cim/driver_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "driver/command_builders.hpp"
#include "hycim/spec/tile_spec.hpp"

namespace hycim::cim {
namespace sd = spec::device;
namespace cmd = driver::cmd;

namespace {

constexpr size_t kAlign = 64;  // keeps every DMA range cache-line aligned
constexpr size_t kMaxBatchBytes = size_t{8} << 20;

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

const char* opcode_name(uint8_t op) {
  switch (static_cast<sd::DevOpcode>(op)) {
    case sd::DevOpcode::kProgramNvm:
      return "PROGRAM_NVM";
    case sd::DevOpcode::kReadSram:
      return "READ_SRAM";
    case sd::DevOpcode::kMvm:
      return "MVM";
    case sd::DevOpcode::kReadWear:
      return "READ_WEAR";
    case sd::DevOpcode::kScrub:
      return "SCRUB";
    default:
      return "command";
  }
}

}  // namespace

DriverEngine::DriverEngine(const DriverEngineOptions& options) : options_(options) {
  try {
    device_ = driver::Device::open(options.uri);
    const driver::Capabilities& caps = device_->capabilities();
    if (caps.wbits < 8 || caps.xbits < 8)
      throw EngineError(fmt::format("device {}: the runtime needs 8-bit weights and inputs ({}/{})",
                                    options.uri, caps.wbits, caps.xbits));
    const uint32_t max_k = std::min(caps.nvm_rows, caps.sram_rows * caps.lanes);
    geometry_ = {caps.tiles, caps.lanes, caps.nvm_rows, max_k};
    const uint32_t entries = std::min(options.queue_entries, caps.max_queue_entries);
    queue_ = device_->create_queue(std::bit_floor(std::max(entries, 2u)));
    driver::DeviceInfo info;
    if (device_->info(&info) != driver::Status::kOk)
      throw EngineError(fmt::format("device {}: info failed", options.uri));
    if (caps.flags & sd::cap_flags::kPersistentNvm) nvm_store_ = info.nvm_image;
    for (const spec::TileConfig& t : spec::kNamedTileConfigs)
      if (t.name == info.tile_config) geometry_.nvm_endurance = t.nvm_endurance;
    // The driver names the device instance: however its URI is spelled,
    // handles of one device share one residency record, and two devices never do.
    device_id_ = info.id;
    describe_ = fmt::format("{} x {} tile '{}' ({} NVM rows x {} lanes) at {}", caps.tiles,
                            info.tile_kind == "rtl" ? "RTL" : "fast-model", info.tile_config,
                            caps.nvm_rows, caps.lanes, options.uri);
  } catch (const driver::DriverError& e) {
    throw EngineError(fmt::format("device {}: {}", options.uri, e.what()));
  }
  cycles_.assign(geometry_.tiles, 0);
  reserve(size_t{1} << 20);
}

DriverEngine::~DriverEngine() = default;

driver::DeviceInfo DriverEngine::info() const {
  driver::DeviceInfo info;
  const driver::Status st = device_->info(&info);
  if (st != driver::Status::kOk)
    throw EngineError(fmt::format("device {}: info: {}", options_.uri, driver::to_string(st)));
  return info;
}

void DriverEngine::reserve(size_t bytes) {
  if (buffer_ && buffer_->size() >= bytes) return;
  const size_t size = std::max(bytes, buffer_ ? 2 * buffer_->size() : bytes);
  buffer_.reset();  // unmaps: the window is free for the new buffer
  try {
    buffer_ = device_->alloc(size);
  } catch (const driver::DriverError& e) {
    throw EngineError(fmt::format("device {}: {}", options_.uri, e.what()));
  }
  const driver::Status st = buffer_->map(HYCIM_ACCESS_READ | HYCIM_ACCESS_WRITE);
  if (st != driver::Status::kOk)
    throw EngineError(fmt::format("device {}: mapping a {} byte DMA buffer: {}", options_.uri, size,
                                  driver::to_string(st)));
}

void DriverEngine::run(std::vector<sd::CommandRecord>& cmds, const char* what) {
  usage_.reset();
  done_.resize(queue_->entries());
  size_t next = 0, completed = 0;
  const sd::CompletionRecord* failed = nullptr;
  sd::CompletionRecord first_failure{};
  while (completed < cmds.size()) {
    // Keep the queue as full as it goes: tiles only overlap on what is queued.
    const size_t room = queue_->entries() - queue_->outstanding();
    if (next < cmds.size() && room > 0) {
      const size_t n = std::min(room, cmds.size() - next);
      size_t accepted = 0;
      const driver::Status st = queue_->submit(std::span(cmds).subspan(next, n), &accepted);
      if (st != driver::Status::kOk && st != driver::Status::kNoSpace)
        throw EngineError(
            fmt::format("device {}: submitting {}: {}", options_.uri, what, driver::to_string(st)));
      next += accepted;
    }
    size_t got = 0;
    const driver::Status st = queue_->wait(done_, 1, options_.timeout, &got);
    if (st == driver::Status::kTimeout)
      throw EngineError(fmt::format("device {}: {} did not complete within {} ms (device hung?)",
                                    options_.uri, what, options_.timeout.count()));
    if (st == driver::Status::kDisconnected)
      throw EngineError(
          fmt::format("device {}: the device went away (daemon dead) while waiting "
                      "for {}: HYCIM_E_DISCONNECTED",
                      options_.uri, what));
    if (st != driver::Status::kOk)
      throw EngineError(
          fmt::format("device {}: waiting for {}: {}", options_.uri, what, driver::to_string(st)));
    for (size_t i = 0; i < got; ++i) {
      const sd::CompletionRecord& c = done_[i];
      const sd::CommandRecord& sent = cmds[completed + i];
      if (sent.tile < cycles_.size()) cycles_[sent.tile] += c.cycles;
      if (c.status != 0 && !failed) {
        first_failure = c;
        failed = &first_failure;
      }
    }
    completed += got;
  }
  if (failed) {
    const sd::CommandRecord& sent = cmds[failed->seq - cmds.front().seq];
    const std::string why = fmt::format("device {}: tile {}: {} (rows {}.., count {}) answered {}",
                                        options_.uri, sent.tile, opcode_name(sent.opcode), sent.row,
                                        sent.count, hycim_get_status_name(failed->status));
    if (failed->status == static_cast<uint16_t>(sd::DevStatus::kTileWornOut))
      throw WornOutError(why, sent.tile);
    if (failed->status == static_cast<uint16_t>(sd::DevStatus::kRowDenied)) {
      // ERR_ADDR names the first row refused; its access says why.
      driver::ErrorInfo err{};
      uint32_t tile = sent.tile, row = sent.row;
      if (device_->read_error(&err, true) == driver::Status::kOk && err.code == failed->status) {
        tile = uint32_t(err.addr >> 32);
        row = uint32_t(err.addr);
      }
      driver::RowAccess a[1] = {driver::RowAccess::kTheirs};
      const bool known = device_->row_access(tile, row, a) == driver::Status::kOk;
      std::string reason = "another owner holds it";
      if (known && a[0] == driver::RowAccess::kMineShared)
        reason = "it is this owner's but shared read-only (take the share back to program it)";
      else if (known && a[0] == driver::RowAccess::kShared)
        reason = "another owner holds it and shares it read-only";
      else if (known && a[0] == driver::RowAccess::kReleased)
        reason = "it was released and holds no data until it is programmed again";
      throw RowDeniedError(fmt::format("{}: tile {} row {}: {} (this context's owner is {})", why,
                                       tile, row, reason, device_->owner()),
                           tile, row);
    }
    if (failed->status == static_cast<uint16_t>(sd::DevStatus::kNvmUncorrectable) ||
        failed->status == static_cast<uint16_t>(sd::DevStatus::kNvmProgramFailed)) {
      // The device's error log names the row (ERR_ADDR = tile << 32 | row).
      driver::ErrorInfo err{};
      if (device_->read_error(&err, true) == driver::Status::kOk && err.code == failed->status) {
        const auto tile = uint32_t(err.addr >> 32), row = uint32_t(err.addr);
        const std::string named = fmt::format("{}: tile {} row {}", why, tile, row);
        if (failed->status == static_cast<uint16_t>(sd::DevStatus::kNvmUncorrectable))
          throw UncorrectableError(named, tile, row);
        throw EngineError(named);
      }
    }
    throw EngineError(why);
  }
}

void DriverEngine::program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) {
  const uint32_t lanes = geometry_.lanes;
  if (rows.empty() || rows.size() % lanes != 0)
    throw EngineError("program: data is not whole rows");
  reserve(rows.size());
  std::memcpy(buffer_->data(), rows.data(), rows.size());
  cmds_.assign(1, cmd::program_nvm(seq_++, static_cast<uint16_t>(tile), first_row,
                                   static_cast<uint32_t>(rows.size() / lanes), buffer_->iova()));
  run(cmds_, "PROGRAM_NVM");
}

void DriverEngine::program_batch(std::span<const ProgramJob> jobs) {
  const uint32_t lanes = geometry_.lanes;
  size_t bytes = 0;
  for (const ProgramJob& j : jobs) {
    if (j.rows.empty() || j.rows.size() % lanes != 0)
      throw EngineError("program: data is not whole rows");
    bytes += align_up(j.rows.size());
  }
  if (jobs.empty()) return;
  reserve(bytes);
  auto* base = static_cast<uint8_t*>(buffer_->data());
  cmds_.clear();
  size_t at = 0;
  for (const ProgramJob& j : jobs) {
    std::memcpy(base + at, j.rows.data(), j.rows.size());
    cmds_.push_back(cmd::program_nvm(seq_++, static_cast<uint16_t>(j.tile), j.first_row,
                                     static_cast<uint32_t>(j.rows.size() / lanes),
                                     buffer_->iova() + at));
    at += align_up(j.rows.size());
  }
  run(cmds_, "PROGRAM_NVM");  // one queue: the tiles program side by side
}

void DriverEngine::read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) {
  const uint32_t lanes = geometry_.lanes;
  if (rows.empty() || rows.size() % lanes != 0) throw EngineError("read: buffer is not whole rows");
  reserve(rows.size());
  cmds_.assign(1, cmd::read_sram(seq_++, static_cast<uint16_t>(tile), first_row,
                                 static_cast<uint32_t>(rows.size() / lanes), buffer_->iova()));
  run(cmds_, "READ_SRAM");
  std::memcpy(rows.data(), buffer_->data(), rows.size());
}

void DriverEngine::read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) {
  if (wear.empty()) return;
  reserve(wear.size_bytes());
  cmds_.assign(1, cmd::read_wear(seq_++, static_cast<uint16_t>(tile), first_row,
                                 static_cast<uint32_t>(wear.size()), buffer_->iova()));
  run(cmds_, "READ_WEAR");
  std::memcpy(wear.data(), buffer_->data(), wear.size_bytes());
}

void DriverEngine::scrub(uint32_t tile, uint32_t first_row, uint32_t count) {
  cmds_.assign(1, cmd::scrub(seq_++, static_cast<uint16_t>(tile), first_row, count));
  run(cmds_, "SCRUB");
}

void DriverEngine::mvm(std::span<const MvmJob> jobs) {
  const Geometry& g = geometry_;
  const size_t out_bytes = align_up(size_t{g.lanes} * sizeof(int32_t));
  for (const MvmJob& j : jobs)
    if (j.x.empty() || j.x.size() > g.max_k || j.acc.size() > g.lanes)
      throw EngineError(
          fmt::format("mvm: {} inputs / {} outputs do not fit the tile", j.x.size(), j.acc.size()));
  // Slices of at most kMaxBatchBytes of staging: big im2col batches do not
  // grow the DMA buffer without bound, and each slice still fills the queue.
  for (size_t first = 0; first < jobs.size();) {
    size_t last = first, bytes = 0;
    while (last < jobs.size() &&
           (last == first || bytes + align_up(jobs[last].x.size()) + out_bytes <= kMaxBatchBytes))
      bytes += align_up(jobs[last++].x.size()) + out_bytes;
    mvm_slice(jobs.subspan(first, last - first));
    first = last;
  }
}

void DriverEngine::mvm_slice(std::span<const MvmJob> jobs) {
  const Geometry& g = geometry_;
  const size_t out_bytes = align_up(size_t{g.lanes} * sizeof(int32_t));
  size_t in_bytes = 0;
  for (const MvmJob& j : jobs) in_bytes += align_up(j.x.size());
  reserve(in_bytes + jobs.size() * out_bytes);
  auto* base = static_cast<uint8_t*>(buffer_->data());
  const uint64_t iova = buffer_->iova();
  cmds_.clear();
  size_t in_at = 0, out_at = in_bytes;
  for (const MvmJob& j : jobs) {
    std::memcpy(base + in_at, j.x.data(), j.x.size());
    // Inputs land in the first SRAM rows, which follow the NVM rows.
    cmds_.push_back(cmd::mvm(seq_++, static_cast<uint16_t>(j.tile), j.first_row,
                             static_cast<uint32_t>(j.x.size()), g.nvm_rows, iova + in_at,
                             iova + out_at, cmd::Widths{8, 8, j.xsigned, j.wsigned}));
    in_at += align_up(j.x.size());
    out_at += out_bytes;
  }
  run(cmds_, "MVM");
  out_at = in_bytes;
  for (const MvmJob& j : jobs) {
    std::memcpy(j.acc.data(), base + out_at, j.acc.size() * sizeof(int32_t));
    out_at += out_bytes;
  }
}

const driver::Usage& DriverEngine::cached_usage() const {
  if (!usage_) {
    driver::Usage u{};
    // After a batch of this engine's, its queue holds the counters already.
    if (queue_->last_usage(&u)) return *(usage_ = u);
    const driver::Status st = device_->usage(&u);
    if (st != driver::Status::kOk)
      throw EngineError(fmt::format("device {}: reading usage counters: {}", options_.uri,
                                    driver::to_string(st)));
    usage_ = u;
  }
  return *usage_;
}

double DriverEngine::energy_pj() const {
  return cached_usage().energy_total_pj;
}

double DriverEngine::device_time_ns() const {
  return cached_usage().device_time_ns;
}

driver::TileHealth DriverEngine::tile_health(uint32_t tile) const {
  driver::TileHealth h{};
  const driver::Status st = device_->tile_health(tile, &h);
  if (st != driver::Status::kOk)
    throw EngineError(fmt::format("device {}: reading tile {}'s NVM health (of {} tiles): {}",
                                  options_.uri, tile, geometry_.tiles, driver::to_string(st)));
  return h;
}

std::vector<driver::RowAccess> DriverEngine::row_access(uint32_t tile) const {
  std::vector<driver::RowAccess> out(geometry_.nvm_rows);
  const driver::Status st = device_->row_access(tile, 0, out);
  if (st != driver::Status::kOk)
    throw EngineError(fmt::format("device {}: reading the row access of tile {} rows 0..{}: {}",
                                  options_.uri, tile, geometry_.nvm_rows - 1,
                                  driver::to_string(st)));
  return out;
}

void DriverEngine::release_rows(uint32_t tile, uint32_t row, uint32_t count) {
  if (count == 0) return;
  const driver::Status st = device_->release_rows(tile, row, count);
  if (st != driver::Status::kOk)
    throw EngineError(fmt::format(
        "device {}: releasing tile {} rows {}..{}: {}{}", options_.uri, tile, row, row + count - 1,
        driver::to_string(st),
        st == driver::Status::kPermission ? " (a row is not this owner's, or is shared)" : ""));
}

void DriverEngine::share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) {
  if (count == 0) return;
  const driver::Status st = device_->share_rows(tile, row, count, shared);
  if (st != driver::Status::kOk)
    throw EngineError(
        fmt::format("device {}: {} tile {} rows {}..{}: {}{}", options_.uri,
                    shared ? "sharing" : "taking back the share of", tile, row, row + count - 1,
                    driver::to_string(st),
                    st == driver::Status::kPermission ? " (a row is not this owner's)" : ""));
}

void add_usage(driver::Usage& into, const driver::Usage& u) {
  for (const driver::UsageCount& c : driver::kUsageCounts) into.*c.field += u.*c.field;
  for (const driver::UsageEnergy& e : driver::kUsageEnergies) into.*e.field += u.*e.field;
  into.energy_total_pj += u.energy_total_pj;
  into.device_time_ns = std::max(into.device_time_ns, u.device_time_ns);
}

}  // namespace hycim::cim
