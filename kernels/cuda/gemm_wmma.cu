// int8 GEMM on tensor cores through WMMA (16x16x16 s8 fragments, int32
// accumulators): a 64x64 tile of C per 4-warp block, each warp 32x32, K
// consumed 32 bytes at a time. Tiles are staged in shared memory with zero
// padding, so any M, N, K works; the shared layouts keep every fragment
// pointer 32-byte aligned and every leading dimension 16 bytes, as WMMA asks.
#include <mma.h>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels::detail {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kTile = 64;
constexpr int kDepth = 32;
constexpr int kFrag = 16;
constexpr int kThreads = 128;

struct __align__(128) WmmaTiles {
  std::int8_t a[kDepth / kFrag][kTile][kFrag];  // [k half][row][k within half]
  std::int8_t b[kTile / kFrag][kDepth][kFrag];  // [column block][k][column within block]
  std::int32_t c[kTile][kTile];                 // accumulators on their way out
};

__device__ void load_tiles(WmmaTiles& sm, const GemmShape& s, std::int64_t m0, std::int64_t n0,
                           std::int64_t k0, const std::uint8_t* __restrict__ a, std::uint8_t fa,
                           const std::uint8_t* __restrict__ b, std::uint8_t fb) {
  for (int idx = threadIdx.x; idx < kTile * kDepth; idx += kThreads) {
    // A: neighbouring threads read neighbouring bytes of a row.
    const int am = idx / kDepth, ak = idx % kDepth;
    const bool a_in = m0 + am < s.m && k0 + ak < s.k;
    sm.a[ak / kFrag][am][ak % kFrag] =
        a_in ? static_cast<std::int8_t>(a[(m0 + am) * s.k + k0 + ak] ^ fa) : std::int8_t{0};
    // B: neighbouring threads read neighbouring columns of a row.
    const int bk = idx / kTile, bn = idx % kTile;
    const bool b_in = k0 + bk < s.k && n0 + bn < s.n;
    sm.b[bn / kFrag][bk][bn % kFrag] =
        b_in ? static_cast<std::int8_t>(b[(k0 + bk) * s.n + n0 + bn] ^ fb) : std::int8_t{0};
  }
}

__global__ void __launch_bounds__(kThreads)
    gemm_wmma_kernel(GemmShape s, const std::uint8_t* __restrict__ a, std::uint8_t fa,
                     const std::uint8_t* __restrict__ b, std::uint8_t fb, GemmEpilogue e,
                     std::int32_t* __restrict__ c) {
  __shared__ WmmaTiles sm;
  const int warp = threadIdx.x / 32;
  const int wm = (warp / 2) * 32;  // this warp's 32x32 corner inside the tile
  const int wn = (warp % 2) * 32;
  const std::int64_t m0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const std::int64_t n0 = static_cast<std::int64_t>(blockIdx.y) * kTile;

  wmma::fragment<wmma::accumulator, kFrag, kFrag, kFrag, int> acc[2][2];
  for (auto& row : acc) {
    for (auto& f : row) wmma::fill_fragment(f, 0);
  }
  wmma::fragment<wmma::matrix_a, kFrag, kFrag, kFrag, signed char, wmma::row_major> fa_frag[2];
  wmma::fragment<wmma::matrix_b, kFrag, kFrag, kFrag, signed char, wmma::row_major> fb_frag[2];

  for (std::int64_t k0 = 0; k0 < s.k; k0 += kDepth) {
    load_tiles(sm, s, m0, n0, k0, a, fa, b, fb);
    __syncthreads();
    for (int half = 0; half < kDepth / kFrag; ++half) {
      for (int i = 0; i < 2; ++i) {
        wmma::load_matrix_sync(fa_frag[i], &sm.a[half][wm + kFrag * i][0], kFrag);
      }
      for (int j = 0; j < 2; ++j) {
        wmma::load_matrix_sync(fb_frag[j], &sm.b[(wn / kFrag) + j][half * kFrag][0], kFrag);
      }
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa_frag[i], fb_frag[j], acc[i][j]);
      }
    }
    __syncthreads();
  }

  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(&sm.c[wm + kFrag * i][wn + kFrag * j], acc[i][j], kTile,
                              wmma::mem_row_major);
    }
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < kTile * kTile; idx += kThreads) {
    const std::int64_t m = m0 + idx / kTile;
    const std::int64_t n = n0 + idx % kTile;
    if (m < s.m && n < s.n) c[m * s.n + n] = e.apply(sm.c[idx / kTile][idx % kTile], m, n);
  }
}

}  // namespace

void launch_gemm_wmma(const GemmShape& s, const std::uint8_t* a, std::uint8_t flip_a,
                      const std::uint8_t* b, std::uint8_t flip_b, const GemmEpilogue& e,
                      std::int32_t* c, cudaStream_t stream) {
  const std::int64_t mb = (s.m + kTile - 1) / kTile;
  const std::int64_t nb = (s.n + kTile - 1) / kTile;
  check_grid("gemm_gpu(tensor core)", nb, 65535, "N");
  const dim3 grid(static_cast<unsigned>(mb), static_cast<unsigned>(nb));
  gemm_wmma_kernel<<<grid, kThreads, 0, stream>>>(s, a, flip_a, b, flip_b, e, c);
  check_cuda(cudaGetLastError(), "gemm_gpu(tensor core) launch");
}

}  // namespace hycim::kernels::detail
