// Owning handle of device memory, so no kernel wrapper or test leaks it on an
// exception. Plain buffers use cudaMalloc/cudaFree; scratch() buffers are
// stream-ordered (cudaMallocAsync/cudaFreeAsync on one stream, the default
// stream included): cheap enough per call, and safe to drop while kernels
// enqueued on that stream still use them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda/cuda_check.hpp"

namespace hycim::kernels {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : DeviceBuffer(count, nullptr, false) {}
  // Allocates and copies `host` in.
  explicit DeviceBuffer(std::span<const T> host) : DeviceBuffer(host.size()) { upload(host); }

  static DeviceBuffer scratch(std::size_t count, cudaStream_t stream) {
    return DeviceBuffer(count, stream, true);
  }
  // Scratch holding a copy of `host`, copied on `stream`.
  static DeviceBuffer scratch(std::span<const T> host, cudaStream_t stream) {
    DeviceBuffer b(host.size(), stream, true);
    b.upload(host);
    return b;
  }

  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept { swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    DeviceBuffer(std::move(o)).swap(*this);
    return *this;
  }
  ~DeviceBuffer() {
    if (ptr_ == nullptr) return;
    // Errors here cannot be reported (destructor); the memory is lost at worst.
    if (async_) {
      (void)cudaFreeAsync(ptr_, stream_);
    } else {
      (void)cudaFree(ptr_);
    }
  }

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  std::size_t size() const { return count_; }
  std::span<T> span() { return {ptr_, count_}; }
  std::span<const T> span() const { return {ptr_, count_}; }

  void upload(std::span<const T> host) {
    if (host.size() != count_) {
      throw KernelError("DeviceBuffer::upload: " + std::to_string(host.size()) +
                        " elements into a buffer of " + std::to_string(count_));
    }
    if (count_ == 0) return;
    check_cuda(
        cudaMemcpyAsync(ptr_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice, stream_),
        "DeviceBuffer::upload");
  }
  // Waits for the buffer's stream, then copies everything back.
  std::vector<T> download() const {
    std::vector<T> host(count_);
    if (count_ == 0) return host;
    check_cuda(
        cudaMemcpyAsync(host.data(), ptr_, count_ * sizeof(T), cudaMemcpyDeviceToHost, stream_),
        "DeviceBuffer::download");
    check_cuda(cudaStreamSynchronize(stream_), "DeviceBuffer::download");
    return host;
  }

 private:
  DeviceBuffer(std::size_t count, cudaStream_t stream, bool async)
      : count_(count), stream_(stream), async_(async) {
    if (count == 0) return;
    void* p = nullptr;
    check_cuda(
        async ? cudaMallocAsync(&p, count * sizeof(T), stream) : cudaMalloc(&p, count * sizeof(T)),
        "DeviceBuffer: allocating device memory");
    ptr_ = static_cast<T*>(p);
  }

  void swap(DeviceBuffer& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(count_, o.count_);
    std::swap(stream_, o.stream_);
    std::swap(async_, o.async_);
  }

  T* ptr_ = nullptr;
  std::size_t count_ = 0;
  cudaStream_t stream_ = nullptr;  // where uploads, downloads and an async free go
  bool async_ = false;
};

}  // namespace hycim::kernels
