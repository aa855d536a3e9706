// Internal: the ZVC kernels' launchers (device pointers), used by ZvcGpu.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>

namespace hycim::kernels::detail {

// Items one scan block covers; each level of block totals is this much shorter.
inline constexpr std::uint64_t kZvcScanBlock = 1024;

void launch_zvc_ballot(const std::uint8_t* in, std::uint64_t n, std::uint8_t zero,
                       std::uint32_t* mask, cudaStream_t stream);
// offsets[w] = set bits in mask[0..w); level_sums[i] holds the block totals of
// level i (ceil(words / 1024^(i+1)) entries).
void launch_zvc_scan(const std::uint32_t* mask, std::uint64_t words, std::uint64_t* offsets,
                     std::span<std::uint64_t* const> level_sums, cudaStream_t stream);
void launch_zvc_scatter(const std::uint8_t* in, std::uint64_t n, const std::uint32_t* mask,
                        const std::uint64_t* offsets, std::uint8_t* values, cudaStream_t stream);
void launch_zvc_gather(const std::uint32_t* mask, const std::uint8_t* values,
                       const std::uint64_t* offsets, std::uint64_t n, std::uint8_t zero,
                       std::uint8_t* out, cudaStream_t stream);

}  // namespace hycim::kernels::detail
