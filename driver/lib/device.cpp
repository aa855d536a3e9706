// Device and Buffer: the C++ API over a Backend.
#include <sys/mman.h>

#include <algorithm>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"

namespace hycim::driver {

const char* to_string(Status s) {
  return hycim_get_result_name(static_cast<int>(s));
}

void check_command_format(const Capabilities& caps, std::string_view uri) {
  // The command record's layout follows the major version (2.x: a 16-bit
  // tile field); records of another layout would run on the wrong tiles.
  namespace sd = spec::device;
  const auto v = sd::fields::Version::unpack(caps.version);
  if (v.major != sd::kVersionMajor)
    throw DriverError(Status::kProtocol,
                      "device " + std::string(uri) + " speaks command format " +
                          std::to_string(v.major) + "." + std::to_string(v.minor) +
                          "; this driver builds format " + std::to_string(sd::kVersionMajor) +
                          ".x records (spec/hycim.json VERSION_MAJOR)");
}

std::unique_ptr<Device> Device::open(std::string_view uri) {
  auto backend = open_backend(uri);
  check_command_format(backend->capabilities(), uri);
  return std::unique_ptr<Device>(new Device(std::string(uri), std::move(backend)));
}

Device::~Device() = default;

const Capabilities& Device::capabilities() const {
  return backend_->capabilities();
}

Status Device::info(DeviceInfo* out) const {
  return backend_->info(out);
}

Status Device::usage(Usage* out) const {
  return backend_->usage(out);
}

Status Device::tile_health(uint32_t tile, TileHealth* out) const {
  // Refused here too, so the daemon is not asked about a tile it lacks.
  if (tile >= capabilities().tiles) return Status::kInvalid;
  return backend_->tile_health(tile, out);
}

std::unique_ptr<Buffer> Device::alloc(size_t bytes) {
  if (bytes == 0) throw DriverError(Status::kInvalid, "a DMA buffer needs at least one byte");
  UniqueFd fd = make_sealed_memfd("hycim-buffer", bytes);
  Mapping mem;
  if (Mapping::map(fd.get(), bytes, &mem) != Status::kOk)
    throw DriverError(Status::kIo,
                      "cannot map a DMA buffer of " + std::to_string(bytes) + " bytes");
  uint64_t iova = 0;
  const Status st = backend_->add_buffer(fd.get(), bytes, &iova);
  if (st != Status::kOk)
    throw DriverError(st, std::string("the device refused a buffer of ") + std::to_string(bytes) +
                              " bytes: " + to_string(st));
  // The Buffer owns the mapping from here (unmapped in ~Buffer).
  return std::unique_ptr<Buffer>(new Buffer(backend_, mem.release(), bytes, iova));
}

Buffer::~Buffer() {
  backend_->remove_buffer(iova_);
  ::munmap(data_, size_);
}

Status Buffer::map(uint32_t access) {
  return backend_->map_buffer(iova_, access);
}

Status Buffer::unmap() {
  return backend_->unmap_buffer(iova_);
}

Status Device::read_error(ErrorInfo* out, bool clear) {
  return backend_->read_error(clear, out);
}

Status Device::reset(std::chrono::milliseconds timeout) {
  return backend_->reset(static_cast<int>(timeout.count()));
}

const std::string& Device::owner() const {
  return backend_->owner();
}

Status Device::row_access(uint32_t tile, uint32_t first_row, std::span<RowAccess> out) const {
  // In chunks: one wire reply holds kRowAccessChunk rows.
  for (size_t done = 0; done < out.size();) {
    const auto n = static_cast<uint32_t>(std::min<size_t>(kRowAccessChunk, out.size() - done));
    const uint64_t first = uint64_t{first_row} + done;
    if (first > UINT32_MAX) return Status::kInvalid;
    const Status st =
        backend_->row_access(tile, static_cast<uint32_t>(first), n, out.data() + done);
    if (st != Status::kOk) return st;
    done += n;
  }
  return Status::kOk;
}

Status Device::release_rows(uint32_t tile, uint32_t row, uint32_t count) {
  return backend_->set_rows(tile, row, count, RowsOp::kRelease);
}

Status Device::share_rows(uint32_t tile, uint32_t row, uint32_t count, bool shared) {
  return backend_->set_rows(tile, row, count, shared ? RowsOp::kShare : RowsOp::kUnshare);
}

}  // namespace hycim::driver
