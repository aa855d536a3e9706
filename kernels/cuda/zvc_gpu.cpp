// ZvcGpu: size checks, scratch for the scan, and the kernels in order.
#include "kernels/cuda/zvc_gpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "kernels/cuda/zvc_launch.hpp"

namespace hycim::kernels {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

ZvcGpu::ZvcGpu(std::uint64_t capacity)
    : capacity_(capacity), offsets_(std::max<std::uint64_t>(1, zvc_mask_words(capacity))) {
  std::uint64_t count = zvc_mask_words(capacity);
  do {  // one level of block totals per factor detail::kZvcScanBlock
    count = ceil_div(std::max<std::uint64_t>(count, 1), detail::kZvcScanBlock);
    block_sums_.emplace_back(count);
  } while (count > 1);
}

ZvcGpu::ScanResult ZvcGpu::scan_popcounts(const std::uint32_t* mask, std::uint64_t words,
                                          cudaStream_t stream) {
  std::vector<std::uint64_t*> levels;
  for (auto& b : block_sums_) levels.push_back(b.data());
  detail::launch_zvc_scan(mask, words, offsets_.data(), levels, stream);
  std::uint64_t last_offset = 0;
  std::uint32_t last_word = 0;
  check_cuda(cudaMemcpyAsync(&last_offset, offsets_.data() + words - 1, sizeof last_offset,
                             cudaMemcpyDeviceToHost, stream),
             "ZVC: reading the count");
  check_cuda(cudaMemcpyAsync(&last_word, mask + words - 1, sizeof last_word, cudaMemcpyDeviceToHost,
                             stream),
             "ZVC: reading the count");
  check_cuda(cudaStreamSynchronize(stream), "ZVC: reading the count");
  return {last_offset + static_cast<std::uint64_t>(std::popcount(last_word)), last_word};
}

std::uint64_t ZvcGpu::compress(std::span<const std::uint8_t> in, std::uint8_t zero,
                               std::span<std::uint32_t> mask, std::span<std::uint8_t> values,
                               cudaStream_t stream) {
  const char* who = "ZvcGpu::compress";
  const std::uint64_t n = in.size(), words = zvc_mask_words(n);
  if (n > capacity_) {
    throw KernelError(fmt::format("{}: {} elements, more than the capacity {}", who, n, capacity_));
  }
  if (mask.size() != words) {
    throw KernelError(fmt::format("{}: mask has {} words, expected ceil({}/32) = {}", who,
                                  mask.size(), n, words));
  }
  if (values.size() < n) {
    throw KernelError(
        fmt::format("{}: values has room for {} bytes, need {}", who, values.size(), n));
  }
  if (n == 0) return 0;
  detail::launch_zvc_ballot(in.data(), n, zero, mask.data(), stream);
  const std::uint64_t total = scan_popcounts(mask.data(), words, stream).total;
  detail::launch_zvc_scatter(in.data(), n, mask.data(), offsets_.data(), values.data(), stream);
  return total;
}

void ZvcGpu::decompress(const ZvcView& c, std::span<std::uint8_t> out, cudaStream_t stream) {
  const char* who = "ZvcGpu::decompress";
  const std::uint64_t words = zvc_mask_words(c.count);
  if (out.size() != c.count) {
    throw KernelError(fmt::format("{}: output has {} elements, the compressed tensor {}", who,
                                  out.size(), c.count));
  }
  if (c.count > capacity_) {
    throw KernelError(
        fmt::format("{}: {} elements, more than the capacity {}", who, c.count, capacity_));
  }
  if (c.mask.size() != words) {
    throw KernelError(fmt::format("{}: mask has {} words, expected ceil({}/32) = {}", who,
                                  c.mask.size(), c.count, words));
  }
  if (c.count == 0) return;
  const ScanResult scan = scan_popcounts(c.mask.data(), words, stream);
  const unsigned tail = static_cast<unsigned>(c.count % 32);
  if (tail != 0 && (scan.last_word >> tail) != 0) {
    throw KernelError(fmt::format("{}: mask has bits set past element {}", who, c.count));
  }
  if (scan.total != c.values.size()) {
    throw KernelError(fmt::format("{}: mask marks {} non-zero elements but values holds {}", who,
                                  scan.total, c.values.size()));
  }
  detail::launch_zvc_gather(c.mask.data(), c.values.data(), offsets_.data(), c.count, c.zero,
                            out.data(), stream);
}

}  // namespace hycim::kernels
