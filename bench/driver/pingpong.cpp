#include "bench/driver/pingpong.hpp"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>

namespace hycim::driver::bench {
namespace {

struct Shared {
  std::atomic<uint32_t> request;
  std::atomic<uint32_t> response;
};

void wait_fd(int fd) {
  uint64_t v;
  if (::read(fd, &v, sizeof v) != sizeof v) throw std::runtime_error("eventfd read");
}

void kick(int fd) {
  const uint64_t one = 1;
  if (::write(fd, &one, sizeof one) != sizeof one) throw std::runtime_error("eventfd write");
}

}  // namespace

std::vector<double> raw_pingpong(uint32_t iterations) {
  void* mem =
      ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error("mmap");
  auto* s = new (mem) Shared{};
  const int ping = ::eventfd(0, EFD_CLOEXEC), pong = ::eventfd(0, EFD_CLOEXEC);
  const uint32_t warmup = iterations / 10 + 1, total = warmup + iterations;
  const pid_t child = ::fork();
  if (child == 0) {
    for (uint32_t i = 0; i < total; ++i) {
      wait_fd(ping);
      s->response.store(s->request.load(std::memory_order_acquire), std::memory_order_release);
      kick(pong);
    }
    ::_exit(0);
  }
  std::vector<double> ns;
  ns.reserve(iterations);
  for (uint32_t i = 0; i < total; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    s->request.store(i, std::memory_order_release);
    kick(ping);
    wait_fd(pong);
    if (s->response.load(std::memory_order_acquire) != i) throw std::runtime_error("lost ping");
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= warmup) ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  ::waitpid(child, nullptr, 0);
  ::close(ping);
  ::close(pong);
  ::munmap(mem, sizeof(Shared));
  return ns;
}

}  // namespace hycim::driver::bench
