// hycimd's fault behaviour: a client killed mid-stream, the daemon killed or
// hung under a waiting client, hostile messages on the socket, ids of
// another context, and socket paths the daemon must not take.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include "driver/lib/queue_layout.hpp"
#include "driver/lib/unix_backend.hpp"
#include "driver/lib/wire/channel.hpp"
#include "tests/driver/backend_fixture.hpp"
#include "tests/driver/malformed_messages.hpp"

namespace hycim::driver::test {
namespace {

uint32_t contexts(Device& d) {
  DeviceInfo info;
  EXPECT_EQ(d.info(&info), Status::kOk);
  return info.contexts;
}

bool eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(DriverFaults, KilledClientFreesItsContextOthersGoOn) {
  DaemonProcess daemon;
  auto dev = Device::open(daemon.uri());
  const pid_t child = ::fork();
  if (child == 0) {
    auto d = Device::open(daemon.uri());
    auto q = d->create_queue(64);
    auto buf = d->alloc(4096);
    buf->map(kRw);
    std::vector<CommandRecord> nops(32, cmd::nop(1));
    for (std::vector<CompletionRecord> out(64);;) {  // until killed
      size_t n;
      q->submit(nops);
      q->wait(out, 1, 1000ms, &n);
    }
  }
  ASSERT_TRUE(eventually([&] { return contexts(*dev) == 2; }));
  std::this_thread::sleep_for(100ms);  // mid-stream
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(eventually([&] { return contexts(*dev) == 1; }));
  auto q = dev->create_queue(4);
  ASSERT_EQ(q->submit(cmd::nop(5)), Status::kOk);
  CompletionRecord c{};
  size_t n = 0;
  ASSERT_EQ(q->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
  EXPECT_EQ(c.seq, 5u);
}

TEST(DriverFaults, KilledDaemonEndsWaitsAtOnce) {
  DaemonProcess daemon;
  auto dev = Device::open(daemon.uri());
  auto q = dev->create_queue(4);
  daemon.freeze();  // the NOP below can no longer complete
  ASSERT_EQ(q->submit(cmd::nop(1)), Status::kOk);
  std::thread killer([&] {
    std::this_thread::sleep_for(100ms);
    daemon.kill();
  });
  CompletionRecord c{};
  size_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(q->wait({&c, 1}, 1, 20000ms, &n), Status::kDisconnected);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5000ms);
  killer.join();
  ErrorInfo e{};
  EXPECT_EQ(dev->read_error(&e), Status::kDisconnected);
  EXPECT_THROW(dev->alloc(64), DriverError);
  EXPECT_THROW(Device::open(daemon.uri()), DriverError);
}

TEST(DriverFaults, HungDaemonTimesOut) {
  DaemonProcess daemon;
  auto dev = Device::open(daemon.uri() + "?timeout_ms=300");
  auto q = dev->create_queue(4);
  daemon.freeze();
  ASSERT_EQ(q->submit(cmd::nop(1)), Status::kOk);
  CompletionRecord c{};
  size_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(q->wait({&c, 1}, 1, 300ms, &n), Status::kTimeout);
  ErrorInfo e{};
  EXPECT_EQ(dev->read_error(&e), Status::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3000ms);
  try {
    Device::open(daemon.uri() + "?timeout_ms=200");
    ADD_FAILURE() << "open of a stopped daemon succeeded";
  } catch (const DriverError& err) {
    EXPECT_EQ(err.status, Status::kTimeout);
  }
  daemon.signal(SIGCONT);
}

TEST(DriverFaults, MalformedMessagesAreRefusedDaemonLives) {
  DaemonProcess daemon;
  // The cases send eventfds; the daemon's own are its stop and engine fds.
  const size_t fds_before = daemon.open_fds("eventfd");
  for (const MalformedMessage& m : malformed_messages()) {
    Status st;
    UniqueFd sock = connect_unix(daemon.socket(), &st);
    ASSERT_TRUE(sock) << m.name;
    ASSERT_TRUE(send_malformed(sock.get(), m)) << m.name;
    wire::Received reply;
    EXPECT_EQ(wire::receive_message(sock.get(), 5000, &reply), Status::kDisconnected) << m.name;
  }
  EXPECT_TRUE(daemon.alive());
  EXPECT_EQ(daemon.open_fds("eventfd"), fds_before);  // none of the sent fds kept
  EXPECT_TRUE(eventually([&] { return daemon.open_fds("socket") == 1; }))  // the listener
      << daemon.open_fds("socket") << " sockets open";
  auto dev = Device::open(daemon.uri());
  EXPECT_EQ(contexts(*dev), 1u);
}

TEST(DriverFaults, HostileFdsAndForeignIdsAreRefused) {
  DaemonProcess daemon;
  auto a = Device::open(daemon.uri());
  auto qa = a->create_queue(4);
  auto ba = a->alloc(64);
  ASSERT_EQ(ba->map(kRw), Status::kOk);
  Status st;
  UniqueFd sock = connect_unix(daemon.socket(), &st);
  auto call = [&](wire::Type t, auto payload, std::vector<int> fds) {
    static uint32_t tag = 0;
    EXPECT_EQ(wire::send_struct(sock.get(), t, ++tag, payload, fds), Status::kOk);
    wire::Received r;
    EXPECT_EQ(wire::receive_message(sock.get(), 5000, &r), Status::kOk);
    wire::Reply rep{};
    std::memcpy(&rep, r.bytes.data() + sizeof(wire::Header), sizeof rep);
    return static_cast<Status>(rep.status);
  };
  // Context ids are per connection: A's queue and buffer do not exist here.
  EXPECT_EQ(call(wire::Type::kRemoveQueue, wire::QueueRef{1, 0}, {}), Status::kNotFound);
  EXPECT_EQ(call(wire::Type::kUnmapBuffer, wire::BufferRef{ba->iova()}, {}), Status::kNotFound);
  // A pipe is not a memfd; an unsealed memfd could be truncated under the daemon.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  EXPECT_EQ(call(wire::Type::kAddBuffer, wire::AddBuffer{64}, {p[0]}), Status::kInvalid);
  UniqueFd loose(::memfd_create("loose", MFD_CLOEXEC));
  ASSERT_EQ(::ftruncate(loose.get(), 4096), 0);
  EXPECT_EQ(call(wire::Type::kAddBuffer, wire::AddBuffer{64}, {loose.get()}), Status::kInvalid);
  UniqueFd small = make_sealed_memfd("small", 64);
  EXPECT_EQ(call(wire::Type::kAddBuffer, wire::AddBuffer{4096}, {small.get()}), Status::kInvalid);
  EXPECT_EQ(call(wire::Type::kAddQueue, wire::AddQueue{4, 0}, {p[0], p[0], p[1]}),
            Status::kInvalid);
  ::close(p[0]);
  ::close(p[1]);
  EXPECT_EQ(qa->submit(cmd::nop(3)), Status::kOk);  // A unaffected
  CompletionRecord c{};
  size_t n = 0;
  EXPECT_EQ(qa->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
}

TEST(DriverFaults, QueueWithImpossibleTailIsFaulted) {
  DaemonProcess daemon;
  Status st;
  UniqueFd sock = connect_unix(daemon.socket(), &st);
  // A hand-made queue, as a hostile client would build it.
  const uint32_t entries = 4;
  UniqueFd ring = make_sealed_memfd("ring", queue_bytes(entries));
  UniqueFd bell = make_eventfd(), done = make_eventfd();
  Mapping mem;
  ASSERT_EQ(Mapping::map(ring.get(), queue_bytes(entries), &mem), Status::kOk);
  const int fds[] = {ring.get(), bell.get(), done.get()};
  ASSERT_EQ(
      wire::send_struct(sock.get(), wire::Type::kAddQueue, 1, wire::AddQueue{entries, 0}, fds),
      Status::kOk);
  wire::Received r;
  ASSERT_EQ(wire::receive_message(sock.get(), 5000, &r), Status::kOk);
  QueueView v = QueueView::of(mem.data(), entries);
  v.header->sq_tail.store(1000, std::memory_order_release);  // claims 1000 of 4 slots
  signal_eventfd(bell.get());
  EXPECT_TRUE(eventually([&] { return v.header->fault.load() != 0; }));
  EXPECT_EQ(v.header->cq_tail.load(), 0u);  // nothing was run
  EXPECT_TRUE(daemon.alive());
  auto dev = Device::open(daemon.uri());  // others unaffected
  auto q = dev->create_queue(4);
  ASSERT_EQ(q->submit(cmd::nop(2)), Status::kOk);
  CompletionRecord c{};
  size_t n = 0;
  EXPECT_EQ(q->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
}

TEST(DriverFaults, SocketPathsTheDaemonMustNotTake) {
  TempDir dir;
  const std::string file = dir.path + "/file";
  std::ofstream(file) << "precious";
  EXPECT_EQ(run_hycimd({"--socket", file, "--nvm-image", dir.path + "/a.nvm", "--config", "small"}),
            1);
  std::ifstream in(file);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
  DaemonProcess live;
  EXPECT_EQ(run_hycimd({"--socket", live.socket(), "--nvm-image", dir.path + "/b.nvm", "--config",
                        "small"}),
            1);
  EXPECT_TRUE(live.alive());
  EXPECT_EQ(run_hycimd({"--nvm-image", dir.path + "/c.nvm"}), 2);  // --socket is required
}

TEST(DriverFaults, OtherUsersAreRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  DaemonProcess daemon;
  ::chmod(daemon.dir().c_str(), 0755);
  ::chmod(daemon.socket().c_str(), 0666);  // only the credential check is left
  const pid_t child = ::fork();
  if (child == 0) {
    if (::setuid(65534) != 0) ::_exit(3);
    try {
      Device::open(daemon.uri());
    } catch (const DriverError&) {
      ::_exit(0);
    }
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(daemon.alive());
}

}  // namespace
}  // namespace hycim::driver::test
