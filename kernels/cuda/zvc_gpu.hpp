// Zero-value compression on the GPU, byte-identical with zvc_compress_cpu
// (format: kernels/zvc_format.hpp). A warp turns 32 elements into one mask
// word with __ballot_sync; an exclusive prefix sum of the words' popcounts
// (warp-shuffle scans, then a scan of the block totals) gives each word's
// first slot in `values`; a lane's slot adds the popcount of the lanes below it.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cuda/device_buffer.hpp"
#include "kernels/zvc_format.hpp"

namespace hycim::kernels {

class ZvcGpu {
 public:
  // Scratch for tensors of up to `capacity` elements.
  explicit ZvcGpu(std::uint64_t capacity);

  // in, mask and values are device memory; mask holds zvc_mask_words(n)
  // words, values room for n bytes. Returns the number of non-zero elements
  // (so it waits for `stream`). Throws KernelError on wrong sizes.
  std::uint64_t compress(std::span<const std::uint8_t> in, std::uint8_t zero,
                         std::span<std::uint32_t> mask, std::span<std::uint8_t> values,
                         cudaStream_t stream = nullptr);

  // c's spans are device memory. Checks the mask against `values` like the
  // CPU twin (waits for `stream` to read the count) before writing `out`.
  void decompress(const ZvcView& c, std::span<std::uint8_t> out, cudaStream_t stream = nullptr);

 private:
  struct ScanResult {
    std::uint64_t total;      // set bits in the whole mask
    std::uint32_t last_word;  // for the bits-past-the-end check
  };
  // offsets_[w] = set bits in mask words 0..w-1 (waits for the stream).
  ScanResult scan_popcounts(const std::uint32_t* mask, std::uint64_t words, cudaStream_t stream);

  std::uint64_t capacity_;
  DeviceBuffer<std::uint64_t> offsets_;
  std::vector<DeviceBuffer<std::uint64_t>> block_sums_;  // one per level of the scan
};

}  // namespace hycim::kernels
