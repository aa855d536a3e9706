// The ZVC kernels: ballot, a two-level-and-up exclusive scan of the mask
// words' popcounts built from warp-shuffle scans, scatter and gather.
#include <algorithm>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/zvc_launch.hpp"
#include "kernels/zvc_format.hpp"

namespace hycim::kernels::detail {
namespace {

constexpr unsigned kFullWarp = 0xffffffffu;
constexpr int kScanThreads = 256;
constexpr int kScanItems = 4;  // per thread
constexpr std::uint64_t kScanBlock = kScanThreads * kScanItems;
static_assert(kScanBlock == kZvcScanBlock);

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

__device__ inline std::uint64_t warp_index() {
  return (static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
}
__device__ inline std::uint64_t warp_count() {
  return static_cast<std::uint64_t>(gridDim.x) * blockDim.x / 32;
}
__device__ inline unsigned lanes_below(unsigned lane) {
  return (1u << lane) - 1u;
}

// One warp per 32 elements: the ballot is the mask word (lane i = bit i).
__global__ void ballot_kernel(const std::uint8_t* __restrict__ in, std::uint64_t n,
                              std::uint8_t zero, std::uint32_t* __restrict__ mask) {
  const unsigned lane = threadIdx.x % 32;
  for (std::uint64_t w = warp_index(); w < zvc_mask_words(n); w += warp_count()) {
    const std::uint64_t i = w * 32 + lane;
    const unsigned bits = __ballot_sync(kFullWarp, i < n && in[i] != zero);
    if (lane == 0) mask[w] = bits;
  }
}

struct PopcountLoad {
  const std::uint32_t* words;
  __device__ std::uint64_t operator()(std::uint64_t i) const { return __popc(words[i]); }
};
struct ValueLoad {
  const std::uint64_t* values;
  __device__ std::uint64_t operator()(std::uint64_t i) const { return values[i]; }
};

__device__ std::uint64_t warp_inclusive_scan(std::uint64_t v, unsigned lane) {
  for (unsigned d = 1; d < 32; d *= 2) {
    const std::uint64_t up = __shfl_up_sync(kFullWarp, v, d);
    if (lane >= d) v += up;
  }
  return v;
}

// Exclusive scan of kScanBlock items per block; the block's total goes to
// block_sums. `out` may alias what `load` reads: each thread reads its own
// items before anyone writes.
template <class Load>
__global__ void block_scan_kernel(Load load, std::uint64_t count, std::uint64_t* out,
                                  std::uint64_t* block_sums) {
  __shared__ std::uint64_t warp_totals[kScanThreads / 32];
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const std::uint64_t base = blockIdx.x * kScanBlock + threadIdx.x * kScanItems;
  std::uint64_t items[kScanItems], mine = 0;
  for (int j = 0; j < kScanItems; ++j) {
    items[j] = base + j < count ? load(base + j) : 0;
    mine += items[j];
  }
  const std::uint64_t inclusive = warp_inclusive_scan(mine, lane);
  if (lane == 31) warp_totals[warp] = inclusive;
  __syncthreads();
  if (warp == 0) {
    const std::uint64_t t = lane < kScanThreads / 32 ? warp_totals[lane] : 0;
    const std::uint64_t scanned = warp_inclusive_scan(t, lane);
    if (lane < kScanThreads / 32) warp_totals[lane] = scanned - t;  // exclusive
  }
  __syncthreads();
  std::uint64_t running = warp_totals[warp] + inclusive - mine;
  for (int j = 0; j < kScanItems; ++j) {
    if (base + j < count) out[base + j] = running;
    running += items[j];
  }
  if (threadIdx.x == kScanThreads - 1) block_sums[blockIdx.x] = running;
}

__global__ void add_block_offsets_kernel(std::uint64_t* out, std::uint64_t count,
                                         const std::uint64_t* block_offsets) {
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t i = static_cast<std::uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < count; i += stride) {
    out[i] += block_offsets[i / kScanBlock];
  }
}

__global__ void scatter_kernel(const std::uint8_t* __restrict__ in, std::uint64_t n,
                               const std::uint32_t* __restrict__ mask,
                               const std::uint64_t* __restrict__ offsets,
                               std::uint8_t* __restrict__ values) {
  const unsigned lane = threadIdx.x % 32;
  for (std::uint64_t w = warp_index(); w < zvc_mask_words(n); w += warp_count()) {
    const unsigned bits = mask[w];
    if ((bits >> lane) & 1u)
      values[offsets[w] + __popc(bits & lanes_below(lane))] = in[w * 32 + lane];
  }
}

__global__ void gather_kernel(const std::uint32_t* __restrict__ mask,
                              const std::uint8_t* __restrict__ values,
                              const std::uint64_t* __restrict__ offsets, std::uint64_t n,
                              std::uint8_t zero, std::uint8_t* __restrict__ out) {
  const unsigned lane = threadIdx.x % 32;
  for (std::uint64_t w = warp_index(); w < zvc_mask_words(n); w += warp_count()) {
    const std::uint64_t i = w * 32 + lane;
    if (i >= n) continue;
    const unsigned bits = mask[w];
    out[i] = ((bits >> lane) & 1u) ? values[offsets[w] + __popc(bits & lanes_below(lane))] : zero;
  }
}

unsigned warp_grid(std::uint64_t words) {  // 8 warps a block, capped; kernels stride
  return static_cast<unsigned>(
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(ceil_div(words, 8), 1u << 20)));
}

template <class Load>
void scan_level(Load load, std::uint64_t count, std::uint64_t* out,
                std::span<std::uint64_t* const> sums, std::size_t level, cudaStream_t stream) {
  const std::uint64_t blocks = ceil_div(count, kScanBlock);
  std::uint64_t* level_sums = sums[level];
  block_scan_kernel<<<static_cast<unsigned>(blocks), kScanThreads, 0, stream>>>(load, count, out,
                                                                                level_sums);
  check_cuda(cudaGetLastError(), "ZVC scan kernel launch");
  if (blocks == 1) return;
  scan_level(ValueLoad{level_sums}, blocks, level_sums, sums, level + 1, stream);
  add_block_offsets_kernel<<<static_cast<unsigned>(
                                 std::min<std::uint64_t>(ceil_div(count, 256), 65536)),
                             256, 0, stream>>>(out, count, level_sums);
  check_cuda(cudaGetLastError(), "ZVC scan offsets kernel launch");
}

}  // namespace

void launch_zvc_ballot(const std::uint8_t* in, std::uint64_t n, std::uint8_t zero,
                       std::uint32_t* mask, cudaStream_t stream) {
  ballot_kernel<<<warp_grid(zvc_mask_words(n)), 256, 0, stream>>>(in, n, zero, mask);
  check_cuda(cudaGetLastError(), "ZVC ballot kernel launch");
}

void launch_zvc_scan(const std::uint32_t* mask, std::uint64_t words, std::uint64_t* offsets,
                     std::span<std::uint64_t* const> level_sums, cudaStream_t stream) {
  scan_level(PopcountLoad{mask}, words, offsets, level_sums, 0, stream);
}

void launch_zvc_scatter(const std::uint8_t* in, std::uint64_t n, const std::uint32_t* mask,
                        const std::uint64_t* offsets, std::uint8_t* values, cudaStream_t stream) {
  scatter_kernel<<<warp_grid(zvc_mask_words(n)), 256, 0, stream>>>(in, n, mask, offsets, values);
  check_cuda(cudaGetLastError(), "ZVC scatter kernel launch");
}

void launch_zvc_gather(const std::uint32_t* mask, const std::uint8_t* values,
                       const std::uint64_t* offsets, std::uint64_t n, std::uint8_t zero,
                       std::uint8_t* out, cudaStream_t stream) {
  gather_kernel<<<warp_grid(zvc_mask_words(n)), 256, 0, stream>>>(mask, values, offsets, n, zero,
                                                                  out);
  check_cuda(cudaGetLastError(), "ZVC gather kernel launch");
}

}  // namespace hycim::kernels::detail
