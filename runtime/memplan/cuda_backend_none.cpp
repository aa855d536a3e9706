// Built instead of cuda_backend.cpp when CUDA is not available: the executor
// then runs on the host backend only.
#include "runtime/memplan/backend.hpp"

namespace hycim::memplan {

std::unique_ptr<Backend> make_cuda_backend() {
  return nullptr;
}

}  // namespace hycim::memplan
