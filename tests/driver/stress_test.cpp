// Eight client processes hammer one hycimd for a bounded time. Each programs
// its own weights, then submits batches of MVMs (own inputs, own result
// slots) and NOPs with its own sequence numbers, and checks every result
// against the CPU: no completion lost, duplicated, reordered or wrong.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

constexpr int kClients = 8;
constexpr auto kDuration = std::chrono::seconds(3);

// Returns the process exit code: 0 if every completion checked out.
int client(const std::string& uri, int id) {
  auto dev = Device::open(uri);
  const uint32_t lanes = dev->capabilities().lanes, nvm = dev->capabilities().nvm_rows;
  const uint32_t k = 4, batch = 24;
  const uint16_t tile = static_cast<uint16_t>(id % dev->capabilities().tiles);
  const uint32_t w_row = (id / 2) * k;  // own NVM rows on a tile shared with one other client
  std::mt19937 rng(id);
  std::vector<int8_t> w(k * lanes);
  for (auto& v : w) v = static_cast<int8_t>(rng());
  auto wbuf = dev->alloc(w.size()), in = dev->alloc(batch * k), out = dev->alloc(batch * lanes * 4);
  std::memcpy(wbuf->data(), w.data(), w.size());
  if (wbuf->map(HYCIM_ACCESS_READ) != Status::kOk || in->map(HYCIM_ACCESS_READ) != Status::kOk ||
      out->map(HYCIM_ACCESS_WRITE) != Status::kOk)
    return 2;
  auto q = dev->create_queue(64);
  CompletionRecord c{};
  size_t n = 0;
  if (q->submit(cmd::program_nvm(0, tile, w_row, k, wbuf->iova())) != Status::kOk ||
      q->wait({&c, 1}, 1, 10000ms, &n) != Status::kOk || c.status != 0)
    return 3;
  uint32_t seq = 1;
  uint64_t checked = 0;
  const auto end = std::chrono::steady_clock::now() + kDuration;
  while (std::chrono::steady_clock::now() < end) {
    std::vector<int8_t> x(batch * k);
    for (auto& v : x) v = static_cast<int8_t>(rng());
    std::memcpy(in->data(), x.data(), x.size());
    std::vector<CommandRecord> cmds;
    for (uint32_t i = 0; i < batch; ++i)
      cmds.push_back(i % 4 == 3 ? cmd::nop(seq + i)
                                : cmd::mvm(seq + i, tile, w_row, k, nvm + 2 * (id % 2),
                                           in->iova() + i * k, out->iova() + i * lanes * 4));
    if (q->submit(cmds) != Status::kOk) return 4;
    std::vector<CompletionRecord> done(batch);
    if (q->wait(done, batch, 10000ms, &n) != Status::kOk || n != batch) return 5;
    if (q->poll(done, &n) != Status::kOk || n != 0) return 6;  // nothing extra
    for (uint32_t i = 0; i < batch; ++i) {
      if (done[i].seq != seq + i || done[i].status != 0) return 7;
      if (i % 4 == 3) continue;
      std::vector<int8_t> xi(x.begin() + i * k, x.begin() + (i + 1) * k);
      std::vector<int32_t> got(lanes);
      std::memcpy(got.data(), out->bytes().data() + i * lanes * 4, lanes * 4);
      if (got != mvm_reference(w, xi, lanes)) return 8;
      ++checked;
    }
    seq += batch;
  }
  return checked > 0 ? 0 : 9;
}

TEST(DriverStress, EightClientsHammerOneDaemon) {
  DaemonProcess daemon({"--config", "default", "--tiles", "4"});
  std::vector<pid_t> pids;
  for (int id = 0; id < kClients; ++id) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      int code = 10;
      try {
        code = client(daemon.uri(), id);
      } catch (...) {
      }
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  for (int id = 0; id < kClients; ++id) {
    int status = 0;
    ::waitpid(pids[id], &status, 0);
    EXPECT_TRUE(WIFEXITED(status)) << "client " << id;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "client " << id;
  }
  EXPECT_TRUE(daemon.alive());
  auto dev = Device::open(daemon.uri());
  DeviceInfo info;
  ASSERT_EQ(dev->info(&info), Status::kOk);
  // Every client's context is freed once the daemon has seen its socket close.
  for (int i = 0; i < 500 && info.contexts != 1; ++i) {
    std::this_thread::sleep_for(10ms);
    ASSERT_EQ(dev->info(&info), Status::kOk);
  }
  EXPECT_EQ(info.contexts, 1u);
  EXPECT_GT(info.commands, 1000u);
}

}  // namespace
}  // namespace hycim::driver::test
