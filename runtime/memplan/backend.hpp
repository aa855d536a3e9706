// What the executor needs from a GPU: device memory, a compute stream and two
// copy streams with events, and the op kernel. HostBackend does all of it
// synchronously in host memory (CI has no GPU); CudaBackend (built when
// HYCIM_HAVE_CUDA) does it with CUDA streams and events. The executor's
// logic is the same over both.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/memplan/allocator.hpp"

namespace hycim::memplan {

// Stand-in for an op's real kernel: every output byte depends on every input
// tensor and on `seed`, and a `sparsity` share of its 4-byte elements is
// zero, so recomputed and swapped-in tensors can be checked byte for byte.
struct KernelArgs {
  std::uint32_t seed = 0;
  std::vector<const std::uint8_t*> inputs;  // device pointers
  std::vector<std::uint64_t> input_bytes;
  std::uint8_t* output = nullptr;  // device pointer
  std::uint64_t output_bytes = 0;
  double sparsity = 0.0;
};

// The kernel on the host; the CUDA kernel computes the same bytes.
void synthetic_kernel_host(const KernelArgs& a);

enum Stream : int { kCompute = 0, kToHost = 1, kToDevice = 2 };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::unique_ptr<MemorySource> device_source() = 0;
  virtual void copy_to_host(void* host, const void* dev, std::uint64_t n, Stream s) = 0;
  virtual void copy_to_device(void* dev, const void* host, std::uint64_t n, Stream s) = 0;
  virtual void fill(void* dev, const void* host, std::uint64_t n) = 0;  // blocking upload
  virtual void read(void* host, const void* dev, std::uint64_t n) = 0;  // blocking download
  virtual void run(const KernelArgs& a, Stream s) = 0;
  virtual std::uint64_t record(Stream s) = 0;            // a new event after the stream's work
  virtual void wait(Stream s, std::uint64_t event) = 0;  // the stream waits for the event
  virtual bool done(std::uint64_t event) = 0;
  virtual double elapsed_us(std::uint64_t from, std::uint64_t to) = 0;  // both completed
  virtual void synchronize() = 0;
};

std::unique_ptr<Backend> make_host_backend();
// Null when built without CUDA or when no device is present.
std::unique_ptr<Backend> make_cuda_backend();

}  // namespace hycim::memplan
