// int8 GEMV y = x^T W (the device's MVM) with __dp4a: each thread owns 4
// adjacent columns, the 4 thread rows of a block split K, and shared memory
// adds their partial sums. W is read once: the column sums the zero-point
// correction needs come out of the same pass (a dp4a against 0x01010101).
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels::detail {
namespace {

constexpr int kColThreads = 64;  // threadIdx.x: 4 columns each
constexpr int kKThreads = 4;     // threadIdx.y: interleaved groups of 4 rows
constexpr int kCols = 4;
constexpr int kOnes = 0x01010101;

struct GemvPartial {
  int raw[kCols];
  int col_sum[kCols];
};

// Rows k..k+3 of columns n0..n0+3, each column packed as one dp4a operand.
__device__ void load_columns(const std::uint8_t* __restrict__ w, std::int64_t k, std::int64_t n0,
                             const GemmShape& s, std::uint8_t fw, int (&cols)[kCols]) {
  for (int j = 0; j < kCols; ++j) {
    unsigned word = 0;
    for (int r = 0; r < 4; ++r) {
      if (k + r < s.k && n0 + j < s.n) {
        word |= static_cast<unsigned>(w[(k + r) * s.n + n0 + j] ^ fw) << (8 * r);
      }
    }
    cols[j] = static_cast<int>(word);
  }
}

__device__ int load_x(const std::uint8_t* __restrict__ x, std::int64_t k, std::int64_t len,
                      std::uint8_t fx) {
  unsigned word = 0;
  for (int r = 0; r < 4; ++r) {
    if (k + r < len) word |= static_cast<unsigned>(x[k + r] ^ fx) << (8 * r);
  }
  return static_cast<int>(word);
}

__global__ void __launch_bounds__(kColThreads* kKThreads)
    gemv_dp4a_kernel(GemmShape s, const std::uint8_t* __restrict__ x, std::uint8_t fx,
                     const std::uint8_t* __restrict__ w, std::uint8_t fw, GemmEpilogue e,
                     std::int32_t* __restrict__ y) {
  __shared__ GemvPartial partial[kKThreads][kColThreads];
  const std::int64_t n0 =
      (static_cast<std::int64_t>(blockIdx.x) * kColThreads + threadIdx.x) * kCols;
  GemvPartial p = {};
  for (std::int64_t k = 4 * threadIdx.y; k < s.k; k += 4 * kKThreads) {
    const int xv = load_x(x, k, s.k, fx);
    int cols[kCols];
    load_columns(w, k, n0, s, fw, cols);
    for (int j = 0; j < kCols; ++j) {
      p.raw[j] = __dp4a(cols[j], xv, p.raw[j]);
      p.col_sum[j] = __dp4a(cols[j], kOnes, p.col_sum[j]);
    }
  }
  partial[threadIdx.y][threadIdx.x] = p;
  __syncthreads();
  if (threadIdx.y != 0) return;
  for (int r = 1; r < kKThreads; ++r) {
    for (int j = 0; j < kCols; ++j) {
      // Unsigned adds: the int32 sums wrap like every other path's.
      p.raw[j] = static_cast<int>(static_cast<unsigned>(p.raw[j]) +
                                  static_cast<unsigned>(partial[r][threadIdx.x].raw[j]));
      p.col_sum[j] = static_cast<int>(static_cast<unsigned>(p.col_sum[j]) +
                                      static_cast<unsigned>(partial[r][threadIdx.x].col_sum[j]));
    }
  }
  for (int j = 0; j < kCols; ++j) {
    if (n0 + j < s.n) y[n0 + j] = e.apply(p.raw[j], 0, n0 + j, p.col_sum[j]);
  }
}

}  // namespace

void launch_gemv_dp4a(const GemmShape& s, const std::uint8_t* x, std::uint8_t flip_x,
                      const std::uint8_t* w, std::uint8_t flip_w, const GemmEpilogue& e,
                      std::int32_t* y, cudaStream_t stream) {
  const std::int64_t per_block = kColThreads * kCols;
  const std::int64_t blocks = (s.n + per_block - 1) / per_block;
  const dim3 block(kColThreads, kKThreads);
  gemv_dp4a_kernel<<<static_cast<unsigned>(blocks), block, 0, stream>>>(s, x, flip_x, w, flip_w, e,
                                                                        y);
  check_cuda(cudaGetLastError(), "gemm_gpu(gemv) launch");
}

}  // namespace hycim::kernels::detail
