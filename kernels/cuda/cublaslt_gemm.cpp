#include "kernels/cuda/cublaslt_gemm.hpp"

#include <fmt/format.h>

#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels {
namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

void check_blas(cublasStatus_t st, const char* what) {
  if (st != CUBLAS_STATUS_SUCCESS) {
    throw KernelError(fmt::format("{}: cuBLASLt status {}", what, static_cast<int>(st)));
  }
}

// Owns the cuBLASLt descriptors of one matmul so every exit path frees them.
struct LtDescriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t bt = nullptr, a = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~LtDescriptors() {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (bt) cublasLtMatrixLayoutDestroy(bt);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

}  // namespace

CublasLtGemm::CublasLtGemm() : workspace_(kWorkspaceBytes) {
  check_blas(cublasLtCreate(&handle_), "cublasLtCreate");
}

CublasLtGemm::~CublasLtGemm() {
  if (handle_) cublasLtDestroy(handle_);
}

void CublasLtGemm::set_weights(std::int64_t k, std::int64_t n, std::span<const std::uint8_t> b,
                               const OperandDesc& b_desc, cudaStream_t stream) {
  const char* who = "CublasLtGemm::set_weights";
  validate_gemm(who, {0, n, k}, {}, 0, b_desc, b.size(), 0);
  if (k % 4 != 0 || n % 4 != 0) {
    throw KernelError(fmt::format(
        "{}: cuBLASLt int8 needs K and N multiples of 4, got K = {}, N = {}", who, k, n));
  }
  has_weights_ = false;  // until the new weights are in place
  k_ = k;
  n_ = n;
  b_sign_ = b_desc.sign;
  std::vector<std::int32_t> zb_host(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    zb_host[static_cast<std::size_t>(i)] = signed_zero_point(zero_point_at(b_desc, i), b_desc.sign);
  }
  bt_ = DeviceBuffer<std::uint8_t>(b.size());
  zb_ = DeviceBuffer<std::int32_t>(std::span<const std::int32_t>(zb_host));
  col_sum_b_ = DeviceBuffer<std::int32_t>(static_cast<std::size_t>(n));
  if (!b.empty()) {  // empty weights: run() answers zeros without reading them
    const std::uint8_t flip = sign_flip_mask(b_desc.sign);
    detail::launch_transpose_flip(b.data(), k, n, flip, bt_.data(), stream);
    detail::launch_col_sums(b.data(), k, n, flip, col_sum_b_.data(), stream);
  }
  // The zero points went up on the default stream, the kernels on `stream`:
  // wait for both, once, so run() may use the weights from any stream.
  check_cuda(cudaDeviceSynchronize(), who);
  has_weights_ = true;
}

void CublasLtGemm::matmul(std::int64_t m, const std::uint8_t* a, std::int32_t* c,
                          cudaStream_t stream) {
  LtDescriptors d;
  check_blas(cublasLtMatmulDescCreate(&d.op, CUBLAS_COMPUTE_32I, CUDA_R_32I), "matmul desc");
  const cublasOperation_t trans = CUBLAS_OP_T, no_trans = CUBLAS_OP_N;
  check_blas(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &trans, sizeof trans),
      "TRANSA");
  check_blas(
      cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &no_trans, sizeof no_trans),
      "TRANSB");
  // Column-major view: C^T (N x M) = Bt^T (N x K) * A^T (K x M), where the
  // row-major N x K Bt is a column-major K x N matrix and row-major A a K x M one.
  check_blas(cublasLtMatrixLayoutCreate(&d.bt, CUDA_R_8I, k_, n_, k_), "layout B");
  check_blas(cublasLtMatrixLayoutCreate(&d.a, CUDA_R_8I, k_, m, k_), "layout A");
  check_blas(cublasLtMatrixLayoutCreate(&d.c, CUDA_R_32I, n_, m, n_), "layout C");
  check_blas(cublasLtMatmulPreferenceCreate(&d.pref), "preference");
  const std::size_t ws = workspace_.size();
  check_blas(cublasLtMatmulPreferenceSetAttribute(d.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                  &ws, sizeof ws),
             "workspace preference");
  cublasLtMatmulHeuristicResult_t algo = {};
  int found = 0;
  check_blas(
      cublasLtMatmulAlgoGetHeuristic(handle_, d.op, d.bt, d.a, d.c, d.c, d.pref, 1, &algo, &found),
      "cublasLtMatmulAlgoGetHeuristic");
  if (found == 0) {
    throw KernelError(fmt::format("CublasLtGemm: no int8 algorithm for M={} N={} K={}", m, n_, k_));
  }
  const std::int32_t alpha = 1, beta = 0;
  check_blas(cublasLtMatmul(handle_, d.op, &alpha, bt_.data(), d.bt, a, d.a, &beta, c, d.c, c, d.c,
                            &algo.algo, workspace_.data(), ws, stream),
             "cublasLtMatmul");
}

void CublasLtGemm::run(std::int64_t m, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
                       std::span<std::int32_t> c, cudaStream_t stream) {
  const char* who = "CublasLtGemm::run";
  if (!has_weights_) throw KernelError(fmt::format("{}: set_weights has not been called", who));
  const OperandDesc b_desc{b_sign_, {}};
  validate_gemm(who, {m, n_, k_}, a_desc, a.size(), b_desc, static_cast<std::size_t>(k_ * n_),
                c.size());
  if (m == 0 || n_ == 0) return;
  if (k_ == 0) {
    check_cuda(cudaMemsetAsync(c.data(), 0, c.size_bytes(), stream), who);
    return;
  }
  const std::uint8_t fa = sign_flip_mask(a_desc.sign);
  std::vector<std::int32_t> za_host(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) {
    za_host[static_cast<std::size_t>(i)] = signed_zero_point(zero_point_at(a_desc, i), a_desc.sign);
  }
  auto za = DeviceBuffer<std::int32_t>::scratch(std::span<const std::int32_t>(za_host), stream);
  auto row_sum = DeviceBuffer<std::int32_t>::scratch(static_cast<std::size_t>(m), stream);
  DeviceBuffer<std::uint8_t> a_signed;
  const std::uint8_t* a_ptr = a.data();
  if (fa != 0) {
    a_signed = DeviceBuffer<std::uint8_t>::scratch(a.size(), stream);
    detail::launch_flip(a.data(), m * k_, fa, a_signed.data(), stream);
    a_ptr = a_signed.data();
  }
  detail::launch_row_sums(a_ptr, m, k_, 0, row_sum.data(), stream);
  matmul(m, a_ptr, c.data(), stream);
  const detail::GemmEpilogue e{za.data(), zb_.data(), row_sum.data(), col_sum_b_.data(),
                               static_cast<std::int32_t>(k_)};
  detail::launch_apply_epilogue({m, n_, k_}, e, c.data(), stream);
}

}  // namespace hycim::kernels
