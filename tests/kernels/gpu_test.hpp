// Base fixture of the GPU tests: skips, with the reason, where no CUDA device
// can be used (CI, the dev machines), so the suite still passes there.
#pragma once

#include <gtest/gtest.h>

#include "kernels/cuda/cuda_check.hpp"

namespace hycim::kernels::testing {

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string why = cuda_unavailable_reason();
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

}  // namespace hycim::kernels::testing
