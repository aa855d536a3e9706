// Internal: the launchers behind gemm_gpu and CublasLtGemm. Pointers are
// device memory; flips are sign_flip_mask of each operand.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels::detail {

struct GemmEpilogue;

void launch_row_sums(const std::uint8_t* a, std::int64_t rows, std::int64_t cols, std::uint8_t flip,
                     std::int32_t* out, cudaStream_t stream);
void launch_col_sums(const std::uint8_t* b, std::int64_t rows, std::int64_t cols, std::uint8_t flip,
                     std::int32_t* out, cudaStream_t stream);
// c = epilogue(c): turns a raw signed product into the zero-point-corrected one.
void launch_apply_epilogue(const GemmShape& s, const GemmEpilogue& e, std::int32_t* c,
                           cudaStream_t stream);

// bt (N x K) = transpose(b (K x N)) ^ flip; out = in ^ flip.
void launch_transpose_flip(const std::uint8_t* b, std::int64_t k, std::int64_t n, std::uint8_t flip,
                           std::uint8_t* bt, cudaStream_t stream);
void launch_flip(const std::uint8_t* in, std::int64_t count, std::uint8_t flip, std::uint8_t* out,
                 cudaStream_t stream);

void launch_gemm_dp4a(const GemmShape& s, const std::uint8_t* a, std::uint8_t flip_a,
                      const std::uint8_t* b, std::uint8_t flip_b, const GemmEpilogue& e,
                      std::int32_t* c, cudaStream_t stream);
void launch_gemm_wmma(const GemmShape& s, const std::uint8_t* a, std::uint8_t flip_a,
                      const std::uint8_t* b, std::uint8_t flip_b, const GemmEpilogue& e,
                      std::int32_t* c, cudaStream_t stream);
void launch_gemv_dp4a(const GemmShape& s, const std::uint8_t* x, std::uint8_t flip_x,
                      const std::uint8_t* w, std::uint8_t flip_w, const GemmEpilogue& e,
                      std::int32_t* y, cudaStream_t stream);

// Throws KernelError when `blocks` exceeds a grid dimension's limit.
void check_grid(const char* who, std::int64_t blocks, std::int64_t limit, const char* dim);

}  // namespace hycim::kernels::detail
