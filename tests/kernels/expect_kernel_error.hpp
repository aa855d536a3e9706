// Shared by the kernel tests: runs f and expects a KernelError whose message
// names the problem (contains `part`).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "kernels/int8_conventions.hpp"

namespace hycim::kernels::testing {

template <class F>
void expect_error(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no KernelError; expected one mentioning: " << part;
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace hycim::kernels::testing
