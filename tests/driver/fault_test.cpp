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

// The HELLO a client sends first, naming owner namespace `name`; the reply's
// owner identity, or "" when the daemon did not answer with one.
std::string say_hello(int sock, const std::string& name = "default", uint32_t tag = 100) {
  wire::Hello h{};
  std::memcpy(h.owner_namespace, name.data(), name.size());
  if (wire::send_struct(sock, wire::Type::kHello, tag, h) != Status::kOk) return "";
  wire::Received r;
  std::string why;
  if (wire::receive_message(sock, 5000, &r) != Status::kOk ||
      !wire::check_reply(r.bytes, wire::Type::kHello, tag, &why) ||
      r.bytes.size() != sizeof(wire::Header) + sizeof(wire::ReplyHello))
    return "";
  wire::ReplyHello rep{};
  std::memcpy(&rep, r.bytes.data() + sizeof(wire::Header), sizeof rep);
  if (rep.r.status != 0) return "";
  return std::string(rep.owner, strnlen(rep.owner, sizeof rep.owner));
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

TEST(DriverFaults, HelloComesFirstAndOnce) {
  DaemonProcess daemon;
  const std::string uid = "uid:" + std::to_string(::getuid());
  Status st;
  {  // A request before HELLO: the connection closes, no context opened.
    UniqueFd sock = connect_unix(daemon.socket(), &st);
    ASSERT_TRUE(sock);
    ASSERT_EQ(wire::send_message(sock.get(), wire::Type::kInfo, 1, {}), Status::kOk);
    wire::Received r;
    EXPECT_EQ(wire::receive_message(sock.get(), 5000, &r), Status::kDisconnected);
  }
  {  // A second HELLO closes the connection and frees its context.
    UniqueFd sock = connect_unix(daemon.socket(), &st);
    ASSERT_TRUE(sock);
    EXPECT_EQ(say_hello(sock.get(), "team.a-1"), uid + "/team.a-1");
    EXPECT_EQ(say_hello(sock.get(), "team.a-1", 101), "");
    wire::Received r;
    EXPECT_EQ(wire::receive_message(sock.get(), 5000, &r), Status::kDisconnected);
  }
  EXPECT_TRUE(daemon.alive());
  auto dev = Device::open(daemon.uri());
  EXPECT_TRUE(eventually([&] { return contexts(*dev) == 1; }));
  EXPECT_EQ(dev->owner(), uid + "/default");
  DeviceInfo info;
  ASSERT_EQ(dev->info(&info), Status::kOk);
  EXPECT_EQ(info.owner, uid + "/default");
  auto named = Device::open(daemon.uri() + "?owner=team.b&timeout_ms=5000");
  EXPECT_EQ(named->owner(), uid + "/team.b");
  for (const std::string& bad :
       {std::string("a/b"), std::string(), std::string("has%20space"), std::string(64, 'a')}) {
    try {
      Device::open(daemon.uri() + "?owner=" + bad);
      ADD_FAILURE() << "owner '" << bad << "' accepted";
    } catch (const DriverError& e) {
      EXPECT_EQ(e.status, Status::kInvalid);
      EXPECT_NE(std::string(e.what()).find("owner="), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("A-Za-z0-9._-"), std::string::npos) << e.what();
    }
  }
  try {
    Device::open(daemon.uri() + "?bogus=1");
    ADD_FAILURE() << "unknown key accepted";
  } catch (const DriverError& e) {
    EXPECT_NE(std::string(e.what()).find("(known: owner, timeout_ms)"), std::string::npos)
        << e.what();
  }
}

// ROW_ACCESS and SET_ROWS through hycimd: two owners of one daemon see one
// row table, a row_access longer than one wire reply comes back whole, and
// INFO carries the owner and its rows.
TEST(DriverFaults, RowOwnershipCrossesTheWire) {
  DaemonProcess daemon({"--config", "default", "--tiles", "2"});  // 512 NVM rows a tile
  auto a = Device::open(daemon.uri() + "?owner=wire-a");
  auto b = Device::open(daemon.uri() + "?owner=wire-b");
  const uint32_t rows = a->capabilities().nvm_rows, lanes = a->capabilities().lanes;
  auto w = a->alloc(8 * lanes);
  ASSERT_EQ(w->map(kRw), Status::kOk);
  auto q = a->create_queue(4);
  ASSERT_EQ(q->submit(cmd::program_nvm(1, 1, 4, 8, w->iova())), Status::kOk);
  CompletionRecord c{};
  size_t n = 0;
  ASSERT_EQ(q->wait({&c, 1}, 1, 5000ms, &n), Status::kOk);
  ASSERT_EQ(c.status, 0u);

  ASSERT_GT(rows, kRowAccessChunk);  // one call, several ROW_ACCESS messages
  std::vector<RowAccess> all(rows);
  ASSERT_EQ(a->row_access(1, 0, all), Status::kOk);
  for (uint32_t r = 0; r < rows; ++r)
    EXPECT_EQ(all[r], r >= 4 && r < 12 ? RowAccess::kMine : RowAccess::kFree) << r;
  std::vector<RowAccess> seen(8);
  ASSERT_EQ(b->row_access(1, 4, seen), Status::kOk);
  for (RowAccess x : seen) EXPECT_EQ(x, RowAccess::kTheirs);
  DeviceInfo info;
  ASSERT_EQ(a->info(&info), Status::kOk);
  EXPECT_EQ(info.owner, a->owner());
  EXPECT_EQ(info.nvm_rows_owned, 8u);
  ASSERT_EQ(b->info(&info), Status::kOk);
  EXPECT_EQ(info.owner, "uid:" + std::to_string(::getuid()) + "/wire-b");
  EXPECT_EQ(info.nvm_rows_owned, 0u);

  EXPECT_EQ(b->release_rows(1, 4, 8), Status::kPermission);
  ASSERT_EQ(a->share_rows(1, 4, 8, true), Status::kOk);
  ASSERT_EQ(b->row_access(1, 4, seen), Status::kOk);
  for (RowAccess x : seen) EXPECT_EQ(x, RowAccess::kShared);
  ASSERT_EQ(a->row_access(1, 4, seen), Status::kOk);
  for (RowAccess x : seen) EXPECT_EQ(x, RowAccess::kMineShared);
  ASSERT_EQ(a->share_rows(1, 4, 8, false), Status::kOk);
  ASSERT_EQ(a->release_rows(1, 4, 8), Status::kOk);
  ASSERT_EQ(a->row_access(1, 4, seen), Status::kOk);
  for (RowAccess x : seen) EXPECT_EQ(x, RowAccess::kReleased);

  // Refusals come back as statuses; the connection stays up.
  EXPECT_EQ(a->row_access(2, 0, seen), Status::kInvalid);
  EXPECT_EQ(a->row_access(1, rows - 1, seen), Status::kInvalid);
  EXPECT_EQ(a->row_access(1, 0, {}), Status::kOk);
  EXPECT_EQ(a->info(&info), Status::kOk);
}

TEST(DriverFaults, HostileFdsAndForeignIdsAreRefused) {
  DaemonProcess daemon;
  auto a = Device::open(daemon.uri());
  auto qa = a->create_queue(4);
  auto ba = a->alloc(64);
  ASSERT_EQ(ba->map(kRw), Status::kOk);
  Status st;
  UniqueFd sock = connect_unix(daemon.socket(), &st);
  ASSERT_FALSE(say_hello(sock.get()).empty());
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
  ASSERT_FALSE(say_hello(sock.get()).empty());
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
