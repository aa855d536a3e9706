// Every GPU GEMM path (dp4a, tensor core, GEMV, cuBLASLt) against the CPU
// twin, bit for bit, over shapes with ragged edges, every signedness mix and
// every kind of zero point.
#include "kernels/cuda/gemm_gpu.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "kernels/cpu/gemm_cpu.hpp"
#include "kernels/cuda/cublaslt_gemm.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "tests/kernels/gpu_test.hpp"
#include "tests/kernels/random_data.hpp"

namespace hycim::kernels {
namespace {

using testing::random_bytes;
using testing::random_ints;
using Bytes = std::vector<std::uint8_t>;
using Ints = std::vector<std::int32_t>;

enum class ZeroPoints { kNone, kPerTensor, kPerRowColumn };

// One random problem with its host data and zero points.
struct Problem {
  GemmShape shape;
  Signedness sa, sb;
  Bytes a, b;
  Ints za, zb;

  Problem(GemmShape s, Signedness sa_, Signedness sb_, ZeroPoints z, unsigned seed)
      : shape(s), sa(sa_), sb(sb_) {
    a = random_bytes(static_cast<std::size_t>(s.m * s.k), seed);
    b = random_bytes(static_cast<std::size_t>(s.k * s.n), seed + 1);
    const std::size_t na = z == ZeroPoints::kPerRowColumn ? static_cast<std::size_t>(s.m) : 1;
    const std::size_t nb = z == ZeroPoints::kPerRowColumn ? static_cast<std::size_t>(s.n) : 1;
    if (z != ZeroPoints::kNone) {
      za = random_ints(na, min_value(sa), max_value(sa), seed + 2);
      zb = random_ints(nb, min_value(sb), max_value(sb), seed + 3);
    }
  }
  OperandDesc a_desc() const { return {sa, za}; }
  OperandDesc b_desc() const { return {sb, zb}; }
  Ints expected() const {
    Ints c(static_cast<std::size_t>(shape.m * shape.n));
    gemm_cpu(shape, a, a_desc(), b, b_desc(), c);
    return c;
  }
};

constexpr Signedness kSigns[] = {Signedness::kSigned, Signedness::kUnsigned};
constexpr ZeroPoints kZeroPoints[] = {ZeroPoints::kNone, ZeroPoints::kPerTensor,
                                      ZeroPoints::kPerRowColumn};

Ints run_gpu(const Problem& p, GemmPath path) {
  const DeviceBuffer<std::uint8_t> a{std::span<const std::uint8_t>(p.a)};
  const DeviceBuffer<std::uint8_t> b{std::span<const std::uint8_t>(p.b)};
  DeviceBuffer<std::int32_t> c(static_cast<std::size_t>(p.shape.m * p.shape.n));
  gemm_gpu(p.shape, a.span(), p.a_desc(), b.span(), p.b_desc(), c.span(), path);
  return c.download();
}

class GemmGpuTest : public testing::GpuTest, public ::testing::WithParamInterface<GemmPath> {};

TEST_P(GemmGpuTest, MatchesCpuTwinOnEverySignednessAndZeroPointMix) {
  const GemmPath path = GetParam();
  std::vector<GemmShape> shapes = {{1, 1, 1}, {1, 300, 77}, {1, 33, 1025}};
  if (path != GemmPath::kGemv) {
    shapes.insert(shapes.end(),
                  {{3, 5, 7}, {64, 64, 64}, {65, 63, 129}, {100, 37, 300}, {128, 256, 96}});
  }
  unsigned seed = 1;
  for (const GemmShape& s : shapes) {
    for (Signedness sa : kSigns) {
      for (Signedness sb : kSigns) {
        for (ZeroPoints z : kZeroPoints) {
          const Problem p(s, sa, sb, z, seed += 4);
          ASSERT_EQ(run_gpu(p, path), p.expected())
              << gemm_path_name(path) << " M=" << s.m << " N=" << s.n << " K=" << s.k
              << " zero points " << static_cast<int>(z);
        }
      }
    }
  }
}

TEST_P(GemmGpuTest, SumsWrapModulo2To32LikeTheTwin) {
  Problem p({1, 3, 66051}, Signedness::kUnsigned, Signedness::kUnsigned, ZeroPoints::kNone, 5);
  std::fill(p.a.begin(), p.a.end(), 255);
  std::fill(p.b.begin(), p.b.end(), 255);
  EXPECT_EQ(run_gpu(p, GetParam()), Ints(3, -1021));
}

TEST_P(GemmGpuTest, EmptyInnerDimensionGivesZeros) {
  const Problem p({1, 5, 0}, Signedness::kSigned, Signedness::kSigned, ZeroPoints::kNone, 9);
  EXPECT_EQ(run_gpu(p, GetParam()), Ints(5, 0));
}

INSTANTIATE_TEST_SUITE_P(Paths, GemmGpuTest,
                         ::testing::Values(GemmPath::kDp4a, GemmPath::kTensorCore, GemmPath::kGemv),
                         [](const auto& info) {
                           switch (info.param) {
                             case GemmPath::kDp4a:
                               return std::string("Dp4a");
                             case GemmPath::kTensorCore:
                               return std::string("TensorCore");
                             case GemmPath::kGemv:
                               return std::string("Gemv");
                           }
                           return std::string("Unknown");
                         });

using CublasLtGemmTest = testing::GpuTest;

TEST_F(CublasLtGemmTest, MatchesCpuTwin) {
  unsigned seed = 100;
  for (const GemmShape& s : std::vector<GemmShape>{{1, 16, 32}, {33, 128, 256}, {64, 64, 64}}) {
    for (Signedness sa : kSigns) {
      for (Signedness sb : kSigns) {
        for (ZeroPoints z : kZeroPoints) {
          const Problem p(s, sa, sb, z, seed += 4);
          const DeviceBuffer<std::uint8_t> a{std::span<const std::uint8_t>(p.a)};
          const DeviceBuffer<std::uint8_t> b{std::span<const std::uint8_t>(p.b)};
          DeviceBuffer<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
          CublasLtGemm lt;
          lt.set_weights(s.k, s.n, b.span(), p.b_desc());
          lt.run(s.m, a.span(), p.a_desc(), c.span());
          ASSERT_EQ(c.download(), p.expected()) << "M=" << s.m << " N=" << s.n << " K=" << s.k;
        }
      }
    }
  }
}

TEST_F(CublasLtGemmTest, RejectsShapesItsInt8KernelsCannotTakeAndRunsWithoutWeights) {
  CublasLtGemm lt;
  const DeviceBuffer<std::uint8_t> a(4 * 6), b(6 * 4);
  DeviceBuffer<std::int32_t> c(16);
  EXPECT_THROW(lt.run(4, a.span(), {}, c.span()), KernelError);
  EXPECT_THROW(lt.set_weights(6, 4, b.span(), {}), KernelError);
  EXPECT_THROW(lt.run(4, a.span(), {}, c.span()), KernelError);
}

// Argument checks come before any CUDA call, so they hold without a GPU too.
TEST(GemmGpuArguments, RejectBadShapesBeforeTouchingTheDevice) {
  const std::span<const std::uint8_t> a(static_cast<const std::uint8_t*>(nullptr), 6);
  const std::span<std::int32_t> c(static_cast<std::int32_t*>(nullptr), 4);
  try {
    gemm_gpu({2, 2, 3}, a, {}, a.first(5), {}, c, GemmPath::kDp4a);
    ADD_FAILURE() << "no KernelError";
  } catch (const KernelError& e) {
    EXPECT_STREQ(e.what(), "gemm_gpu(dp4a): B has 5 elements, expected K*N = 6");
  }
  try {
    gemm_gpu({2, 2, 3}, a, {}, a, {}, c, GemmPath::kGemv);
    ADD_FAILURE() << "no KernelError";
  } catch (const KernelError& e) {
    EXPECT_STREQ(e.what(), "gemm_gpu(gemv): the GEMV path needs M = 1, got M = 2");
  }
}

}  // namespace
}  // namespace hycim::kernels
