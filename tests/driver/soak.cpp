// hycim_driver_soak: many clients on one hycimd for a bounded time, while
// one more is killed with SIGKILL at random instants and another sends
// malformed and truncated messages. At the end the daemon must have lost or
// duplicated no surviving client's completion, hold no descriptor, memory
// mapping or context more than before the clients came, still answer, and
// leave an NVM image that verifies.
//
//   hycim_driver_soak [--seconds S] [--clients N] [--seed X]
//
// Prints one summary line and exits 0, or names each failed check and exits
// 1. `ctest -R DriverSoak` runs it for a few seconds; bench/driver/soak.sh
// for minutes (figures in docs/benchmarks.md, "Driver").
//
// Each client is its own row owner (namespace soak-ID) with two NVM rows of
// weights on a tile it shares with at most one other client, and loops over:
//   - a batch of MVMs and NOPs, each checked against the CPU: sequence
//     numbers in order, none missing, none extra, every result exact;
//   - every few batches its weights reloaded (PROGRAM_NVM of new values), or
//     erased (zeros programmed, and an MVM over them must give zeros);
//   - its usage (the device's count of this context's commands must equal
//     the completions it has received), the device info and a tile's health;
//   - now and then a second queue and buffer made, used and dropped;
//   - now and then a read and a program of its tile-mate's rows once the
//     device says they are the mate's: both must be ROW_DENIED and move
//     nothing.
// At the end every NVM row must be free or held by the client or victim
// that programmed it: no row leaks to another owner.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "driver/lib/unix_backend.hpp"
#include "driver/lib/wire/channel.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/driver/backend_fixture.hpp"
#include "tests/driver/malformed_messages.hpp"

namespace hycim::driver::test {
namespace {

using Clock = std::chrono::steady_clock;

// Under AddressSanitizer the daemon's allocator maps regions (quarantine,
// per-thread caches) it never gives back, so its mapping count grows with
// the clients it served whether or not hycimd leaks; there the count is
// reported but not checked. The preset asan suite does not run the soak.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMappingsComparable = false;
#else
constexpr bool kMappingsComparable = true;
#endif

struct Options {
  double seconds = 5;
  int clients = 8;
  uint64_t seed = 1;
};

// What one surviving client did; written to a pipe for the parent to sum.
struct ClientReport {
  int32_t failure = 0;  // 0, or the check that failed (see kFailures)
  uint64_t batches = 0;
  uint64_t completions = 0;
  uint64_t checked_mvms = 0;
  uint64_t reloads = 0;
  uint64_t erases = 0;
  uint64_t stat_reads = 0;
  uint64_t side_queues = 0;
  uint64_t denied_probes = 0;
};

const char* const kFailures[] = {
    "none",
    "open or set-up threw",
    "a map failed",
    "a submit failed",
    "a wait failed or returned too few completions",
    "a completion beyond those submitted",
    "a completion out of order or with an error status",
    "an MVM result differs from the CPU's",
    "usage counts other commands than the completions received",
    "info or tile health failed",
    "a second queue or buffer failed",
    "info names another owner, or other rows than its own",
    "a command on the tile-mate's rows was not ROW_DENIED, or moved something",
};

constexpr uint32_t kK = 2;  // weight rows per client
constexpr uint32_t kBatch = 16;

// Submits cmds and waits for exactly their completions, in order and each
// with status 0; returns 0 or a kFailures index.
int run_batch(Queue& q, const std::vector<CommandRecord>& cmds, uint64_t* completions) {
  if (q.submit(cmds) != Status::kOk) return 3;
  std::vector<CompletionRecord> done(cmds.size());
  size_t n = 0;
  if (q.wait(done, cmds.size(), 20000ms, &n) != Status::kOk || n != cmds.size()) return 4;
  *completions += n;
  CompletionRecord extra{};
  if (q.poll({&extra, 1}, &n) != Status::kOk || n != 0) return 5;
  for (size_t i = 0; i < cmds.size(); ++i)
    if (done[i].seq != cmds[i].seq || done[i].status != 0) return 6;
  return 0;
}

std::string client_owner(int id) {
  return "soak-" + std::to_string(id);
}

// READ_SRAM and PROGRAM_NVM of the rows at `row` of `tile`, once they are
// another owner's: 0 when both are refused and the landing buffer kept its
// bytes, else a kFailures index; sets *probed when they were another's.
int probe_mate(Device& dev, Queue& q, uint16_t tile, uint32_t row, Buffer& src, Buffer& dst,
               uint32_t seq, bool* probed) {
  std::vector<RowAccess> a(kK);
  *probed = false;
  if (dev.row_access(tile, row, a) != Status::kOk) return 12;
  if (std::any_of(a.begin(), a.end(), [](RowAccess x) { return x != RowAccess::kTheirs; }))
    return 0;  // the mate has not programmed them yet
  *probed = true;
  std::memset(dst.data(), 0x5A, dst.size());
  const CommandRecord cmds[] = {cmd::read_sram(seq, tile, row, kK, dst.iova()),
                                cmd::program_nvm(seq + 1, tile, row, 1, src.iova())};
  if (q.submit(cmds) != Status::kOk) return 3;
  CompletionRecord done[2];
  size_t n = 0;
  if (q.wait(done, 2, 20000ms, &n) != Status::kOk || n != 2) return 4;
  for (const CompletionRecord& d : done)
    if (d.status != static_cast<uint16_t>(sd::DevStatus::kRowDenied)) return 12;
  const auto* b = static_cast<const uint8_t*>(dst.data());
  return std::all_of(b, b + dst.size(), [](uint8_t x) { return x == 0x5A; }) ? 0 : 12;
}

ClientReport client(const std::string& uri, int id, uint64_t seed, Clock::time_point end) {
  ClientReport r;
  auto fail = [&](int why) {
    r.failure = why;
    return r;
  };
  auto dev = Device::open(uri + "?owner=" + client_owner(id));
  const Capabilities caps = dev->capabilities();
  const uint32_t lanes = caps.lanes;
  const uint16_t tile = static_cast<uint16_t>(id % caps.tiles);
  // Clients id and id + tiles share a tile: their rows lie apart.
  const uint32_t slot = static_cast<uint32_t>(id / caps.tiles);
  const uint32_t w_row = slot * kK;
  const uint32_t x_row = caps.nvm_rows + slot * kK;  // SRAM rows follow the NVM rows
  std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(id));
  std::vector<int8_t> w(kK * lanes);
  auto wbuf = dev->alloc(w.size()), in = dev->alloc(kBatch * kK),
       out = dev->alloc(kBatch * lanes * 4);
  if (wbuf->map(HYCIM_ACCESS_READ) != Status::kOk || in->map(HYCIM_ACCESS_READ) != Status::kOk ||
      out->map(HYCIM_ACCESS_WRITE) != Status::kOk)
    return fail(2);
  auto q = dev->create_queue(64);
  uint32_t seq = 1;
  auto program = [&](bool zeros) {
    for (auto& v : w) v = zeros ? 0 : static_cast<int8_t>(rng());
    std::memcpy(wbuf->data(), w.data(), w.size());
    return run_batch(*q, {cmd::program_nvm(seq++, tile, w_row, kK, wbuf->iova())}, &r.completions);
  };
  if (int f = program(false)) return fail(f);
  while (Clock::now() < end) {
    const uint64_t pick = rng() % 16;
    if (pick == 0 || pick == 1) {
      const bool erase = pick == 1;
      if (int f = program(erase)) return fail(f);
      ++(erase ? r.erases : r.reloads);
    } else if (pick == 2) {
      Usage u{};
      DeviceInfo info;
      TileHealth h{};
      if (dev->info(&info) != Status::kOk || dev->tile_health(tile, &h) != Status::kOk)
        return fail(9);
      if (dev->usage(&u) != Status::kOk) return fail(9);
      if (u.commands != r.completions) return fail(8);
      if (info.owner != dev->owner() || !info.owner.ends_with("/" + client_owner(id)) ||
          info.nvm_rows_owned != kK)
        return fail(11);
      ++r.stat_reads;
    } else if (pick == 3) {
      auto q2 = dev->create_queue(8);
      auto b2 = dev->alloc(4096);
      if (b2->map(HYCIM_ACCESS_READ | HYCIM_ACCESS_WRITE) != Status::kOk) return fail(10);
      if (int f = run_batch(*q2, {cmd::nop(seq), cmd::fence(seq + 1)}, &r.completions))
        return fail(f);
      seq += 2;
      ++r.side_queues;
    } else if (pick == 4) {
      bool probed = false;
      const uint32_t mate_row = (slot ^ 1) * kK;
      const int f = probe_mate(*dev, *q, tile, mate_row, *wbuf, *out, seq, &probed);
      if (f) return fail(f);
      if (probed) {
        r.completions += 2;
        ++r.denied_probes;
      }
      seq += 2;
    }
    std::vector<int8_t> x(kBatch * kK);
    for (auto& v : x) v = static_cast<int8_t>(rng());
    std::memcpy(in->data(), x.data(), x.size());
    std::vector<CommandRecord> cmds;
    for (uint32_t i = 0; i < kBatch; ++i)
      cmds.push_back(i % 4 == 3 ? cmd::nop(seq + i)
                                : cmd::mvm(seq + i, tile, w_row, kK, x_row, in->iova() + i * kK,
                                           out->iova() + i * lanes * 4));
    if (int f = run_batch(*q, cmds, &r.completions)) return fail(f);
    for (uint32_t i = 0; i < kBatch; ++i) {
      if (i % 4 == 3) continue;
      const std::vector<int8_t> xi(x.begin() + i * kK, x.begin() + (i + 1) * kK);
      std::vector<int32_t> got(lanes);
      std::memcpy(got.data(), out->bytes().data() + i * lanes * 4, lanes * 4);
      if (got != mvm_reference(w, xi, lanes)) return fail(7);
      ++r.checked_mvms;
    }
    seq += kBatch;
    ++r.batches;
  }
  Usage u{};
  if (dev->usage(&u) != Status::kOk) return fail(9);
  if (u.commands != r.completions) return fail(8);
  return r;
}

// The victim: programs rows nobody else uses and streams MVMs and NOPs until
// SIGKILL. It never returns.
[[noreturn]] void victim(const std::string& uri, uint64_t seed) {
  try {
    auto dev = Device::open(uri + "?owner=soak-victim");
    const Capabilities caps = dev->capabilities();
    const uint32_t row = caps.nvm_rows - kK, x_row = caps.nvm_rows + caps.sram_rows - kK;
    std::mt19937_64 rng(seed);
    auto w = dev->alloc(kK * caps.lanes), in = dev->alloc(kK), out = dev->alloc(caps.lanes * 4);
    w->map(HYCIM_ACCESS_READ);
    in->map(HYCIM_ACCESS_READ);
    out->map(HYCIM_ACCESS_WRITE);
    auto q = dev->create_queue(64);
    std::vector<CompletionRecord> done(64);
    for (uint32_t seq = 1;; seq += 8) {
      std::vector<CommandRecord> cmds;
      cmds.push_back(cmd::program_nvm(seq, 0, row, kK, w->iova()));
      for (uint32_t i = 1; i < 8; ++i)
        cmds.push_back(rng() % 2 ? cmd::nop(seq + i)
                                 : cmd::mvm(seq + i, 0, row, kK, x_row, in->iova(), out->iova()));
      size_t n = 0;
      q->submit(cmds);
      if (rng() % 2) q->wait(done, 1, 1000ms, &n);  // sometimes leaves work in flight
      if (rng() % 8 == 0) dev->alloc(4096)->map(HYCIM_ACCESS_READ);
    }
  } catch (...) {
  }
  // Reaching here means the daemon refused the victim: not a kill.
  ::_exit(42);
}

// One malformed or truncated message on a fresh connection; true when the
// daemon dropped the connection as it must (or, for a truncated one, is
// still waiting for the rest when we hang up).
bool send_hostile(const std::string& socket, std::mt19937_64& rng,
                  const std::vector<MalformedMessage>& corpus) {
  Status st;
  UniqueFd sock = connect_unix(socket, &st);
  if (!sock) return false;
  if (rng() % 2) {
    const MalformedMessage& m = corpus[rng() % corpus.size()];
    if (!send_malformed(sock.get(), m)) return false;
    wire::Received reply;
    return wire::receive_message(sock.get(), 5000, &reply) == Status::kDisconnected;
  }
  // A HELLO cut short: a header that promises more payload than comes, or
  // only part of a header, then the connection closes.
  wire::Header h{wire::kMagic, wire::kVersion, static_cast<uint16_t>(wire::Type::kHello), 7,
                 static_cast<uint32_t>(1 + rng() % 64)};
  std::vector<uint8_t> bytes(sizeof h + h.payload);
  std::memcpy(bytes.data(), &h, sizeof h);
  const size_t cut = rng() % bytes.size();
  return cut == 0 || ::send(sock.get(), bytes.data(), cut, MSG_NOSIGNAL) >= 0;
}

size_t mappings(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

int soak(const Options& o) {
  std::vector<std::string> failures;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  };
  // The daemon logs every connection; thousands of hostile ones would bury
  // this program's own report, so its stderr goes to a file kept only when a
  // check fails.
  char log_path[] = "/tmp/hycim_soak_daemon_XXXXXX";
  const int log_fd = ::mkstemp(log_path);
  const int saved_stderr = ::dup(2);
  if (log_fd < 0 || saved_stderr < 0) return 2;
  ::dup2(log_fd, 2);
  DaemonProcess daemon({"--config", "default", "--tiles", "4"});
  ::dup2(saved_stderr, 2);
  ::close(saved_stderr);
  ::close(log_fd);
  const auto t0 = Clock::now();
  // What the daemon holds with one context (this one) open and idle.
  auto probe = Device::open(daemon.uri());
  const size_t fds_before = daemon.open_fds(), maps_before = mappings(daemon.pid());
  const auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));

  std::vector<pid_t> clients;
  std::vector<int> pipes;
  for (int id = 0; id < o.clients; ++id) {
    int fd[2];
    if (::pipe(fd) != 0) return 2;
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fd[0]);
      ClientReport r;
      try {
        r = client(daemon.uri(), id, o.seed, end);
      } catch (...) {
        r.failure = 1;
      }
      const ssize_t wrote = ::write(fd[1], &r, sizeof r);
      ::_exit(wrote == sizeof r ? 0 : 3);
    }
    ::close(fd[1]);
    clients.push_back(pid);
    pipes.push_back(fd[0]);
  }

  // The killer and the hostile sender run beside the clients until the end.
  std::atomic<uint64_t> kills{0}, died_otherwise{0}, hostile{0}, hostile_kept{0};
  std::thread killer([&] {
    std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ull);
    while (Clock::now() < end) {
      const uint64_t vseed = rng();
      const pid_t pid = ::fork();
      if (pid == 0) victim(daemon.uri(), vseed);
      std::this_thread::sleep_for(std::chrono::milliseconds(2 + rng() % 60));
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        ++kills;
      else
        ++died_otherwise;
    }
  });
  std::thread sender([&] {
    std::mt19937_64 rng(o.seed + 17);
    const std::vector<MalformedMessage> corpus = malformed_messages();
    while (Clock::now() < end) {
      ++hostile;
      if (!send_hostile(daemon.socket(), rng, corpus)) ++hostile_kept;
    }
  });

  ClientReport sum;
  for (size_t i = 0; i < clients.size(); ++i) {
    ClientReport r;
    const bool read = ::read(pipes[i], &r, sizeof r) == sizeof r;
    ::close(pipes[i]);
    int status = 0;
    ::waitpid(clients[i], &status, 0);
    check(read && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "client " + std::to_string(i) + " died without a report");
    if (!read) continue;
    check(r.failure == 0, "client " + std::to_string(i) + ": " + kFailures[r.failure]);
    check(r.checked_mvms > 0, "client " + std::to_string(i) + " checked no MVM");
    sum.batches += r.batches;
    sum.completions += r.completions;
    sum.checked_mvms += r.checked_mvms;
    sum.reloads += r.reloads;
    sum.erases += r.erases;
    sum.stat_reads += r.stat_reads;
    sum.side_queues += r.side_queues;
    sum.denied_probes += r.denied_probes;
  }
  killer.join();
  sender.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();

  check(daemon.alive(), "the daemon died");
  check(died_otherwise == 0, std::to_string(died_otherwise.load()) + " victims died otherwise");
  check(hostile_kept == 0,
        std::to_string(hostile_kept.load()) + " hostile connections were not dropped");
  // Every context but the probe's is freed once the daemon has seen its
  // socket close; then its descriptors and mappings are back where they were.
  DeviceInfo info;
  bool settled = false;
  for (int i = 0; i < 1000 && !settled; ++i) {
    settled = probe->info(&info) == Status::kOk && info.contexts == 1 &&
              daemon.open_fds() == fds_before &&
              (!kMappingsComparable || mappings(daemon.pid()) == maps_before);
    if (!settled) std::this_thread::sleep_for(10ms);
  }
  const size_t fds_after = daemon.open_fds(), maps_after = mappings(daemon.pid());
  check(info.contexts == 1, std::to_string(info.contexts) + " contexts left open");
  check(fds_after == fds_before,
        "daemon fds " + std::to_string(fds_before) + " -> " + std::to_string(fds_after));
  check(!kMappingsComparable || maps_after == maps_before,
        "daemon mappings " + std::to_string(maps_before) + " -> " + std::to_string(maps_after));
  // No row leaked: each is free or its programmer's (a client's two, the
  // victim's two on tile 0, which it may not have reached before a kill).
  {
    const Capabilities caps = probe->capabilities();
    bool rows_ok = true;
    for (uint32_t t = 0; t < caps.tiles; ++t) {
      std::vector<RowAccess> a(caps.nvm_rows);
      rows_ok = rows_ok && probe->row_access(t, 0, a) == Status::kOk;
      for (uint32_t row = 0; row < caps.nvm_rows; ++row) {
        bool client_row = false;
        for (int id = 0; id < o.clients; ++id)
          client_row = client_row || (static_cast<uint32_t>(id) % caps.tiles == t &&
                                      row / kK == static_cast<uint32_t>(id) / caps.tiles);
        const bool victim_row = t == 0 && row >= caps.nvm_rows - kK;
        const RowAccess want = client_row ? RowAccess::kTheirs : RowAccess::kFree;
        if (a[row] != want && !(victim_row && a[row] == RowAccess::kTheirs)) rows_ok = false;
      }
    }
    check(rows_ok, "an NVM row is held by an owner that never programmed it");
  }
  // It still answers: one MVM on a fresh context.
  {
    auto q = probe->create_queue(4);
    CompletionRecord c{};
    size_t n = 0;
    check(q->submit(cmd::nop(99)) == Status::kOk &&
              q->wait({&c, 1}, 1, 5000ms, &n) == Status::kOk && c.seq == 99 && c.status == 0,
          "the daemon does not answer a NOP after the soak");
  }
  probe.reset();
  const std::string image = daemon.dir() + "/dev.nvm";
  daemon.kill();
  try {
    const nvm::VerifyReport v = nvm::NvmImage::open(image).verify();
    check(v.ok(), "the NVM image does not verify after the soak");
  } catch (const std::exception& e) {
    check(false, std::string("the NVM image does not open: ") + e.what());
  }

  std::printf(
      "soak: %.1f s, %d clients, %llu batches, %llu completions, %llu MVMs checked, %llu weight "
      "reloads, %llu erases, %llu stat reads, %llu side queues, %llu tile-mate probes refused; "
      "%llu clients killed, %llu hostile connections; daemon fds %zu -> %zu, mappings %zu -> "
      "%zu\n",
      wall, o.clients, (unsigned long long)sum.batches, (unsigned long long)sum.completions,
      (unsigned long long)sum.checked_mvms, (unsigned long long)sum.reloads,
      (unsigned long long)sum.erases, (unsigned long long)sum.stat_reads,
      (unsigned long long)sum.side_queues, (unsigned long long)sum.denied_probes,
      (unsigned long long)kills.load(), (unsigned long long)hostile.load(), fds_before, fds_after,
      maps_before, maps_after);
  for (const std::string& f : failures) std::fprintf(stderr, "soak: FAILED: %s\n", f.c_str());
  if (failures.empty()) {
    ::unlink(log_path);
    return 0;
  }
  std::fprintf(stderr, "soak: the daemon's log: %s\n", log_path);
  return 1;
}

}  // namespace
}  // namespace hycim::driver::test

int main(int argc, char** argv) {
  hycim::driver::test::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--seconds" && has_value) {
      o.seconds = std::atof(argv[++i]);
    } else if (a == "--clients" && has_value) {
      o.clients = std::atoi(argv[++i]);
    } else if (a == "--seed" && has_value) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: hycim_driver_soak [--seconds S] [--clients N] [--seed X]\n");
      return 2;
    }
  }
  if (!(o.seconds > 0) || o.clients < 1 || o.clients > 64) {
    std::fprintf(stderr, "hycim_driver_soak: --seconds must be > 0, --clients 1..64\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  return hycim::driver::test::soak(o);
}
