// int8 GEMM on CUDA cores with __dp4a: a 64x64 tile of C per 256-thread block,
// 4x4 outputs per thread, K consumed 32 bytes at a time through shared
// memory, where both tiles are stored as 4-byte groups along K so that one
// 32-bit load feeds one dp4a.
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels::detail {
namespace {

constexpr int kTile = 64;   // rows and columns of C per block
constexpr int kDepth = 32;  // bytes of K per step
constexpr int kGroups = kDepth / 4;
constexpr int kThreads = 256;

// Packs 4 bytes (sign-flipped, 0 past the edges) as one dp4a operand, byte j
// in bits 8j..8j+7.
__device__ inline int pack4(const std::uint8_t* p, std::int64_t stride, int valid,
                            std::uint8_t flip) {
  unsigned word = 0;
  for (int j = 0; j < 4; ++j) {
    const unsigned byte = j < valid ? static_cast<unsigned>(p[j * stride] ^ flip) : 0u;
    word |= byte << (8 * j);
  }
  return static_cast<int>(word);
}

__device__ inline int clamp_valid(std::int64_t remaining) {
  return remaining <= 0 ? 0 : (remaining >= 4 ? 4 : static_cast<int>(remaining));
}

__global__ void __launch_bounds__(kThreads)
    gemm_dp4a_kernel(GemmShape s, const std::uint8_t* __restrict__ a, std::uint8_t fa,
                     const std::uint8_t* __restrict__ b, std::uint8_t fb, GemmEpilogue e,
                     std::int32_t* __restrict__ c) {
  __shared__ int a_tile[kGroups][kTile];  // [k group][row]
  __shared__ int b_tile[kGroups][kTile];  // [k group][column]
  const int t = threadIdx.x;
  const int tx = t % 16;
  const int ty = t / 16;
  const std::int64_t m0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const std::int64_t n0 = static_cast<std::int64_t>(blockIdx.y) * kTile;
  int acc[4][4] = {};

  for (std::int64_t k0 = 0; k0 < s.k; k0 += kDepth) {
    for (int p = 0; p < 2; ++p) {
      const int idx = t + kThreads * p;
      // A: 4 consecutive bytes of one row; neighbours take the next 4.
      const int am = idx / kGroups, ag = idx % kGroups;
      const std::int64_t ak = k0 + 4 * ag;
      const int a_valid = m0 + am < s.m ? clamp_valid(s.k - ak) : 0;
      a_tile[ag][am] = a_valid ? pack4(a + (m0 + am) * s.k + ak, 1, a_valid, fa) : 0;
      // B: 4 rows of one column; neighbours take the next column.
      const int bn = idx % kTile, bg = idx / kTile;
      const std::int64_t bk = k0 + 4 * bg;
      const int b_valid = n0 + bn < s.n ? clamp_valid(s.k - bk) : 0;
      b_tile[bg][bn] = b_valid ? pack4(b + bk * s.n + n0 + bn, s.n, b_valid, fb) : 0;
    }
    __syncthreads();
    for (int g = 0; g < kGroups; ++g) {
      int av[4], bv[4];
      for (int i = 0; i < 4; ++i) av[i] = a_tile[g][ty + 16 * i];
      for (int j = 0; j < 4; ++j) bv[j] = b_tile[g][tx + 16 * j];
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) acc[i][j] = __dp4a(av[i], bv[j], acc[i][j]);
      }
    }
    __syncthreads();
  }

  for (int i = 0; i < 4; ++i) {
    const std::int64_t m = m0 + ty + 16 * i;
    for (int j = 0; j < 4; ++j) {
      const std::int64_t n = n0 + tx + 16 * j;
      if (m < s.m && n < s.n) c[m * s.n + n] = e.apply(acc[i][j], m, n);
    }
  }
}

}  // namespace

void launch_gemm_dp4a(const GemmShape& s, const std::uint8_t* a, std::uint8_t flip_a,
                      const std::uint8_t* b, std::uint8_t flip_b, const GemmEpilogue& e,
                      std::int32_t* c, cudaStream_t stream) {
  const std::int64_t mb = (s.m + kTile - 1) / kTile;
  const std::int64_t nb = (s.n + kTile - 1) / kTile;
  check_grid("gemm_gpu(dp4a)", nb, 65535, "N");
  const dim3 grid(static_cast<unsigned>(mb), static_cast<unsigned>(nb));
  gemm_dp4a_kernel<<<grid, kThreads, 0, stream>>>(s, a, flip_a, b, flip_b, e, c);
  check_cuda(cudaGetLastError(), "gemm_gpu(dp4a) launch");
}

}  // namespace hycim::kernels::detail
