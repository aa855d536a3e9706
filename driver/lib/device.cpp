// Device and Buffer: the C++ API over a Backend.
#include <sys/mman.h>

#include "driver/lib/backend.hpp"
#include "driver/lib/fd.hpp"

namespace hycim::driver {

const char* to_string(Status s) {
  return hycim_get_result_name(static_cast<int>(s));
}

std::unique_ptr<Device> Device::open(std::string_view uri) {
  return std::unique_ptr<Device>(new Device(std::string(uri), open_backend(uri)));
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

}  // namespace hycim::driver
