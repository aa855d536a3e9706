// gemm_gpu: validation, zero-point set-up and the row/column sums every path
// shares, then the chosen kernel.
#include "kernels/cuda/gemm_gpu.hpp"

#include <fmt/format.h>

#include <vector>

#include "kernels/cuda/device_buffer.hpp"
#include "kernels/cuda/gemm_epilogue.hpp"
#include "kernels/cuda/gemm_launch.hpp"

namespace hycim::kernels {
namespace detail {

void check_grid(const char* who, std::int64_t blocks, std::int64_t limit, const char* dim) {
  if (blocks > limit) {
    throw KernelError(fmt::format("{}: {} needs {} thread blocks, more than the grid limit {}", who,
                                  dim, blocks, limit));
  }
}

}  // namespace detail

namespace {

// Zero points of every row (A) or column (B), moved into the signed domain.
std::vector<std::int32_t> signed_zero_points(const OperandDesc& d, std::int64_t count) {
  std::vector<std::int32_t> out(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    out[static_cast<std::size_t>(i)] = signed_zero_point(zero_point_at(d, i), d.sign);
  }
  return out;
}

}  // namespace

const char* gemm_path_name(GemmPath path) {
  switch (path) {
    case GemmPath::kDp4a:
      return "gemm_gpu(dp4a)";
    case GemmPath::kTensorCore:
      return "gemm_gpu(tensor core)";
    case GemmPath::kGemv:
      return "gemm_gpu(gemv)";
  }
  return "gemm_gpu(?)";
}

void gemm_gpu(const GemmShape& s, std::span<const std::uint8_t> a, const OperandDesc& a_desc,
              std::span<const std::uint8_t> b, const OperandDesc& b_desc, std::span<std::int32_t> c,
              GemmPath path, cudaStream_t stream) {
  const char* who = gemm_path_name(path);
  validate_gemm(who, s, a_desc, a.size(), b_desc, b.size(), c.size());
  if (path == GemmPath::kGemv && s.m != 1) {
    throw KernelError(fmt::format("{}: the GEMV path needs M = 1, got M = {}", who, s.m));
  }
  if (s.m == 0 || s.n == 0) return;
  if (s.k == 0) {  // empty sums
    check_cuda(cudaMemsetAsync(c.data(), 0, c.size_bytes(), stream), who);
    return;
  }
  const std::uint8_t fa = sign_flip_mask(a_desc.sign);
  const std::uint8_t fb = sign_flip_mask(b_desc.sign);
  const std::vector<std::int32_t> za_host = signed_zero_points(a_desc, s.m);
  const std::vector<std::int32_t> zb_host = signed_zero_points(b_desc, s.n);
  auto za = DeviceBuffer<std::int32_t>::scratch(std::span<const std::int32_t>(za_host), stream);
  auto zb = DeviceBuffer<std::int32_t>::scratch(std::span<const std::int32_t>(zb_host), stream);
  auto row_sum = DeviceBuffer<std::int32_t>::scratch(static_cast<std::size_t>(s.m), stream);
  detail::launch_row_sums(a.data(), s.m, s.k, fa, row_sum.data(), stream);
  detail::GemmEpilogue e{za.data(), zb.data(), row_sum.data(), nullptr,
                         static_cast<std::int32_t>(s.k)};
  if (path == GemmPath::kGemv) {
    detail::launch_gemv_dp4a(s, a.data(), fa, b.data(), fb, e, c.data(), stream);
    return;
  }
  auto col_sum = DeviceBuffer<std::int32_t>::scratch(static_cast<std::size_t>(s.n), stream);
  detail::launch_col_sums(b.data(), s.k, s.n, fb, col_sum.data(), stream);
  e.col_sum_b = col_sum.data();
  if (path == GemmPath::kDp4a) {
    detail::launch_gemm_dp4a(s, a.data(), fa, b.data(), fb, e, c.data(), stream);
  } else {
    detail::launch_gemm_wmma(s, a.data(), fa, b.data(), fb, e, c.data(), stream);
  }
}

}  // namespace hycim::kernels
