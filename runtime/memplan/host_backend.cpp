// The executor's backend for machines without a GPU: "device" memory is host
// memory, every stream runs synchronously, so events are complete as soon as
// they are recorded and carry the time they were recorded at.
#include <chrono>
#include <cstring>

#include "runtime/memplan/backend.hpp"

namespace hycim::memplan {

namespace {

std::uint32_t mix(std::uint32_t h) {  // murmur3 finaliser: cheap, well spread
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

class HostBackend final : public Backend {
 public:
  std::string name() const override { return "host"; }
  std::unique_ptr<MemorySource> device_source() override { return make_host_source(); }
  void copy_to_host(void* h, const void* d, std::uint64_t n, Stream) override {
    std::memcpy(h, d, n);
  }
  void copy_to_device(void* d, const void* h, std::uint64_t n, Stream) override {
    std::memcpy(d, h, n);
  }
  void fill(void* d, const void* h, std::uint64_t n) override { std::memcpy(d, h, n); }
  void read(void* h, const void* d, std::uint64_t n) override { std::memcpy(h, d, n); }
  void run(const KernelArgs& a, Stream) override { synthetic_kernel_host(a); }
  std::uint64_t record(Stream) override {
    times_.push_back(std::chrono::steady_clock::now());
    return times_.size() - 1;
  }
  void wait(Stream, std::uint64_t) override {}
  bool done(std::uint64_t) override { return true; }
  double elapsed_us(std::uint64_t from, std::uint64_t to) override {
    return std::chrono::duration<double, std::micro>(times_[to] - times_[from]).count();
  }
  void synchronize() override {}

 private:
  std::vector<std::chrono::steady_clock::time_point> times_;
};

}  // namespace

void synthetic_kernel_host(const KernelArgs& a) {
  const std::uint32_t zero_below = static_cast<std::uint32_t>(a.sparsity * 1024.0);
  for (std::uint64_t i = 0; i < a.output_bytes; ++i) {
    std::uint32_t h = a.seed;
    for (std::size_t k = 0; k < a.inputs.size(); ++k)
      h = h * 31u + a.inputs[k][i % a.input_bytes[k]];
    const bool zero = (mix(a.seed ^ static_cast<std::uint32_t>(i / 4)) & 1023u) < zero_below;
    a.output[i] = zero ? 0 : static_cast<std::uint8_t>(mix(h));
  }
}

std::unique_ptr<Backend> make_host_backend() {
  return std::make_unique<HostBackend>();
}

}  // namespace hycim::memplan
