// cuBLASLt's int8 GEMM (CUBLAS_COMPUTE_32I) under hycim's conventions: the
// GPU reference the hand-written kernels are measured against. cuBLASLt's
// int8 tensor-core kernels want the "TN" layout and signed operands, so the
// weights B are stored once, transposed and sign-flipped (set_weights); each
// run flips A when unsigned and applies the same zero-point epilogue as gemm_gpu.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cuda/device_buffer.hpp"
#include "kernels/int8_conventions.hpp"

namespace hycim::kernels {

class CublasLtGemm {
 public:
  CublasLtGemm();
  ~CublasLtGemm();
  CublasLtGemm(const CublasLtGemm&) = delete;
  CublasLtGemm& operator=(const CublasLtGemm&) = delete;

  // B is K x N row-major in device memory. K and N must be multiples of 4
  // (cuBLASLt's int8 alignment rule); throws KernelError otherwise.
  void set_weights(std::int64_t k, std::int64_t n, std::span<const std::uint8_t> b,
                   const OperandDesc& b_desc, cudaStream_t stream = nullptr);

  // C (M x N) = (A - za)(B - zb) for A M x K in device memory.
  void run(std::int64_t m, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
           std::span<std::int32_t> c, cudaStream_t stream = nullptr);

 private:
  void matmul(std::int64_t m, const std::uint8_t* a, std::int32_t* c, cudaStream_t stream);

  cublasLtHandle_t handle_ = nullptr;
  DeviceBuffer<std::uint8_t> workspace_;
  bool has_weights_ = false;
  std::int64_t k_ = 0, n_ = 0;
  DeviceBuffer<std::uint8_t> bt_;         // N x K, sign-flipped
  DeviceBuffer<std::int32_t> zb_;         // N signed-domain zero points
  DeviceBuffer<std::int32_t> col_sum_b_;  // N
  Signedness b_sign_ = Signedness::kSigned;
};

}  // namespace hycim::kernels
