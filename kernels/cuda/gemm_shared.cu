// The small kernels every GPU GEMM path shares: row sums of A, column sums
// of B, the zero-point epilogue applied in place (cuBLASLt's output), and the
// sign flip / transpose that put operands into cuBLASLt's signed TN layout.
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels {
namespace detail {
namespace {

constexpr unsigned kFullWarp = 0xffffffffu;

// One warp per row: lanes stride along the row, then a shuffle reduction.
__global__ void row_sums_kernel(const std::uint8_t* __restrict__ a, std::int64_t rows,
                                std::int64_t cols, std::uint8_t flip,
                                std::int32_t* __restrict__ out) {
  const std::int64_t row = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const unsigned lane = threadIdx.x % 32;
  if (row >= rows) return;  // the whole warp shares `row`, so it leaves together
  std::uint32_t s = 0;
  for (std::int64_t k = lane; k < cols; k += 32) {
    s += static_cast<std::uint32_t>(flipped(a[row * cols + k], flip));
  }
  for (int off = 16; off > 0; off >>= 1) s += __shfl_down_sync(kFullWarp, s, off);
  if (lane == 0) out[row] = static_cast<std::int32_t>(s);
}

// One thread per column: neighbouring threads read neighbouring bytes of a row.
__global__ void col_sums_kernel(const std::uint8_t* __restrict__ b, std::int64_t rows,
                                std::int64_t cols, std::uint8_t flip,
                                std::int32_t* __restrict__ out) {
  const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (col >= cols) return;
  std::uint32_t s = 0;
  for (std::int64_t k = 0; k < rows; ++k) {
    s += static_cast<std::uint32_t>(flipped(b[k * cols + col], flip));
  }
  out[col] = static_cast<std::int32_t>(s);
}

__global__ void apply_epilogue_kernel(GemmShape s, GemmEpilogue e, std::int32_t* c) {
  const std::int64_t total = s.m * s.n;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += stride) {
    c[i] = e.apply(c[i], i / s.n, i % s.n);
  }
}

// bt[n][k] = b[k][n] ^ flip: the transposed, signed copy cuBLASLt's TN layout reads.
__global__ void transpose_flip_kernel(const std::uint8_t* __restrict__ b, std::int64_t k,
                                      std::int64_t n, std::uint8_t flip,
                                      std::uint8_t* __restrict__ bt) {
  const std::int64_t total = k * n;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += stride) {
    const std::int64_t row = i / n, col = i % n;  // reads coalesced, writes strided
    bt[col * k + row] = b[i] ^ flip;
  }
}

__global__ void flip_kernel(const std::uint8_t* __restrict__ in, std::int64_t count,
                            std::uint8_t flip, std::uint8_t* __restrict__ out) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    out[i] = in[i] ^ flip;
  }
}

unsigned grid_for(std::int64_t count) {
  return static_cast<unsigned>(
      std::max<std::int64_t>(1, std::min<std::int64_t>((count + 255) / 256, 65536)));
}

}  // namespace

void launch_row_sums(const std::uint8_t* a, std::int64_t rows, std::int64_t cols, std::uint8_t flip,
                     std::int32_t* out, cudaStream_t stream) {
  const std::int64_t blocks = (rows + 7) / 8;  // 8 warps a block
  row_sums_kernel<<<static_cast<unsigned>(blocks), 256, 0, stream>>>(a, rows, cols, flip, out);
  check_cuda(cudaGetLastError(), "row sums kernel launch");
}

void launch_col_sums(const std::uint8_t* b, std::int64_t rows, std::int64_t cols, std::uint8_t flip,
                     std::int32_t* out, cudaStream_t stream) {
  const std::int64_t blocks = (cols + 255) / 256;
  col_sums_kernel<<<static_cast<unsigned>(blocks), 256, 0, stream>>>(b, rows, cols, flip, out);
  check_cuda(cudaGetLastError(), "column sums kernel launch");
}

void launch_apply_epilogue(const GemmShape& s, const GemmEpilogue& e, std::int32_t* c,
                           cudaStream_t stream) {
  const std::int64_t blocks = std::min<std::int64_t>((s.m * s.n + 255) / 256, 65536);
  apply_epilogue_kernel<<<static_cast<unsigned>(blocks), 256, 0, stream>>>(s, e, c);
  check_cuda(cudaGetLastError(), "epilogue kernel launch");
}

void launch_transpose_flip(const std::uint8_t* b, std::int64_t k, std::int64_t n, std::uint8_t flip,
                           std::uint8_t* bt, cudaStream_t stream) {
  transpose_flip_kernel<<<grid_for(k * n), 256, 0, stream>>>(b, k, n, flip, bt);
  check_cuda(cudaGetLastError(), "transpose kernel launch");
}

void launch_flip(const std::uint8_t* in, std::int64_t count, std::uint8_t flip, std::uint8_t* out,
                 cudaStream_t stream) {
  flip_kernel<<<grid_for(count), 256, 0, stream>>>(in, count, flip, out);
  check_cuda(cudaGetLastError(), "sign flip kernel launch");
}

}  // namespace detail
}  // namespace hycim::kernels
