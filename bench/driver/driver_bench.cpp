// Driver benchmark: NOP submit-to-completion round trip in-process (sim://)
// and through hycimd (unix://), against a raw shared-memory ping-pong
// between two processes measured in the same run; DMA throughput (WRITE_SRAM
// and READ_SRAM of whole SRAM tiles) against memcpy of the same bytes.
//
//   driver_bench HYCIMD [iterations]      (bench/driver/run.sh passes both)
// Prints a markdown table and the ratios recorded in docs/benchmarks.md.
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bench/driver/pingpong.hpp"
#include "driver/command_builders.hpp"
#include "driver/driver.hpp"

namespace {

using namespace hycim;
using namespace std::chrono_literals;
namespace cmd = driver::cmd;
using Clock = std::chrono::steady_clock;

struct Stats {
  double p50, mean;
};

Stats stats(std::vector<double> ns) {
  std::sort(ns.begin(), ns.end());
  double sum = 0;
  for (double v : ns) sum += v;
  return {ns[ns.size() / 2], sum / ns.size()};
}

void check(driver::Status st, const char* what) {
  if (st != driver::Status::kOk)
    throw std::runtime_error(fmt::format("{}: {}", what, driver::to_string(st)));
}

std::vector<double> nop_round_trips(driver::Device& dev, uint32_t iterations) {
  auto q = dev.create_queue(64);
  std::vector<double> ns;
  driver::CompletionRecord c{};
  size_t n = 0;
  const uint32_t warmup = iterations / 10 + 1;
  for (uint32_t i = 0; i < warmup + iterations; ++i) {
    const auto t0 = Clock::now();
    check(q->submit(cmd::nop(i)), "submit");
    check(q->wait({&c, 1}, 1, 5000ms, &n), "wait");
    const auto t1 = Clock::now();
    if (c.seq != i) throw std::runtime_error("completion out of order");
    if (i >= warmup) ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  return ns;
}

// Bytes per second moved host<->device by batches of whole-SRAM commands.
double dma_throughput(driver::Device& dev, bool write, uint32_t batches) {
  const auto& c = dev.capabilities();
  const uint32_t bytes = c.sram_rows * c.lanes, per_batch = 63;
  auto buf = dev.alloc(size_t{bytes} * per_batch);
  check(buf->map(HYCIM_ACCESS_READ | HYCIM_ACCESS_WRITE), "map");
  auto q = dev.create_queue(64);
  std::vector<driver::CommandRecord> cmds;
  for (uint32_t i = 0; i < per_batch; ++i) {
    const uint64_t a = buf->iova() + uint64_t{i} * bytes;
    cmds.push_back(write ? cmd::write_sram(i, i % c.tiles, c.nvm_rows, c.sram_rows, a)
                         : cmd::read_sram(i, i % c.tiles, c.nvm_rows, c.sram_rows, a));
  }
  std::vector<driver::CompletionRecord> out(per_batch);
  size_t n = 0;
  const auto t0 = Clock::now();
  for (uint32_t b = 0; b < batches; ++b) {
    check(q->submit(cmds), "submit");
    check(q->wait(out, per_batch, 10000ms, &n), "wait");
    if (out[0].status != 0) throw std::runtime_error("DMA command failed");
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(bytes) * per_batch * batches / s;
}

double memcpy_throughput(size_t chunk, size_t chunks) {
  std::vector<uint8_t> src(chunk * 63, 1), dst(chunk * 63);
  const auto t0 = Clock::now();
  for (size_t i = 0; i < chunks; ++i) {
    std::memcpy(dst.data() + (i % 63) * chunk, src.data() + (i % 63) * chunk, chunk);
    asm volatile("" : : "r"(dst.data()) : "memory");  // keep every copy
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return double(chunk) * chunks / s;
}

pid_t start_daemon(const std::string& hycimd, const std::string& dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string sock = dir + "/sock", nvm = dir + "/dev.nvm";
    ::execl(hycimd.c_str(), hycimd.c_str(), "--socket", sock.c_str(), "--nvm-image", nvm.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 3000 && !std::filesystem::exists(dir + "/sock"); ++i)
    std::this_thread::sleep_for(1ms);
  return pid;
}

void row(const char* what, Stats s, double base) {
  fmt::print("| {} | {:.1f} | {:.1f} | {:.2f}x |\n", what, s.p50 / 1000, s.mean / 1000,
             s.p50 / base);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: driver_bench HYCIMD [iterations]\n");
    return 2;
  }
  const uint32_t iters = argc > 2 ? static_cast<uint32_t>(std::stoul(argv[2])) : 20000;
  char tmpl[] = "/tmp/hycim-driver-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const pid_t daemon = start_daemon(argv[1], dir);
  try {
    const Stats raw = stats(driver::bench::raw_pingpong(iters));
    auto sim = driver::Device::open("sim://");
    auto unix = driver::Device::open("unix://" + dir + "/sock");
    const Stats in_process = stats(nop_round_trips(*sim, iters));
    const Stats daemon_rt = stats(nop_round_trips(*unix, iters));
    fmt::print("NOP round trip, {} iterations (default device, model tiles)\n\n", iters);
    fmt::print("| path | p50 us | mean us | p50 vs raw |\n|---|---|---|---|\n");
    row("raw shared-memory ping-pong (2 processes, eventfd)", raw, raw.p50);
    row("sim:// in-process", in_process, raw.p50);
    row("unix:// through hycimd", daemon_rt, raw.p50);
    const uint32_t batches = std::max<uint32_t>(iters / 200, 10);
    const auto& c = sim->capabilities();
    const double copy = memcpy_throughput(size_t{c.sram_rows} * c.lanes, 63ull * batches * 50);
    fmt::print("\nDMA throughput, {} B per command, 63 commands per submit\n\n",
               c.sram_rows * c.lanes);
    fmt::print("| path | MB/s | vs memcpy |\n|---|---|---|\n");
    fmt::print("| memcpy, same chunks | {:.0f} | 1 |\n", copy / 1e6);
    for (auto [name, dev] : {std::pair{"sim://", sim.get()}, std::pair{"unix://", unix.get()}})
      for (bool write : {true, false}) {
        const double t = dma_throughput(*dev, write, batches);
        fmt::print("| {} {} | {:.1f} | 1/{:.0f} |\n", name, write ? "WRITE_SRAM" : "READ_SRAM",
                   t / 1e6, copy / t);
      }
    fmt::print("\nratios: in-process {:.2f}x raw (target 5x), daemon {:.2f}x raw (target 3x)\n",
               in_process.p50 / raw.p50, daemon_rt.p50 / raw.p50);
  } catch (const std::exception& e) {
    fmt::print(stderr, "driver_bench: {}\n", e.what());
    ::kill(daemon, SIGTERM);
    return 1;
  }
  ::kill(daemon, SIGTERM);
  ::waitpid(daemon, nullptr, 0);
  std::filesystem::remove_all(dir);
  return 0;
}
