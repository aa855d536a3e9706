// Row ownership (docs/driver.md "Row ownership") on both backends: two owners
// (namespaces "alice" and "bob") on one device. Every command of bob's that
// touches alice's NVM rows completes ROW_DENIED and moves nothing, her
// results stay what they were, SRAM is each owner's own, `reset` is scoped to
// its owner, shared rows are read-only for everyone, released rows cannot be
// read, and the table outlives the process's device (sim:// on an image).
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {
namespace {

constexpr uint16_t kTile = 0;
constexpr uint32_t kK = 4;  // weight rows alice programs: 0..3
constexpr uint8_t kUntouched = 0xEE;

std::string with_query(const std::string& uri, const std::string& kv) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + kv;
}

// One owner's context with a queue and its buffers: weights, input, one
// landing buffer for whatever a command writes back.
struct Client {
  std::unique_ptr<Device> dev;
  std::unique_ptr<Queue> q;
  std::unique_ptr<Buffer> weights, input, out;
  uint32_t lanes = 0, sram0 = 0, seq = 1;

  explicit Client(const std::string& uri) : dev(Device::open(uri)) {
    lanes = dev->capabilities().lanes;
    sram0 = dev->capabilities().nvm_rows;
    q = dev->create_queue(16);
    weights = dev->alloc(kK * lanes);
    input = dev->alloc(lanes);
    out = dev->alloc(kK * lanes * 4);
    EXPECT_EQ(weights->map(HYCIM_ACCESS_READ), Status::kOk);
    EXPECT_EQ(input->map(HYCIM_ACCESS_READ), Status::kOk);
    EXPECT_EQ(out->map(HYCIM_ACCESS_WRITE), Status::kOk);
  }
  // Runs one command; its completion (the landing buffer is refilled with
  // kUntouched first, so a refused command's "nothing moved" shows).
  CompletionRecord run(CommandRecord c) {
    std::memset(out->data(), kUntouched, out->size());
    c.seq = seq++;
    EXPECT_EQ(q->submit(c), Status::kOk);
    CompletionRecord done{};
    size_t n = 0;
    EXPECT_EQ(q->wait({&done, 1}, 1, 5000ms, &n), Status::kOk);
    EXPECT_EQ(done.seq, c.seq);
    return done;
  }
  std::vector<int32_t> result() const {
    std::vector<int32_t> r(lanes);
    std::memcpy(r.data(), out->data(), lanes * 4);
    return r;
  }
  std::vector<uint8_t> rows_read(uint32_t rows) const {
    const auto* p = static_cast<const uint8_t*>(out->data());
    return {p, p + size_t{rows} * lanes};
  }
  bool untouched() const {
    const auto* p = static_cast<const uint8_t*>(out->data());
    return std::all_of(p, p + out->size(), [](uint8_t b) { return b == kUntouched; });
  }
  std::vector<RowAccess> access(uint32_t first, uint32_t n) const {
    std::vector<RowAccess> a(n);
    EXPECT_EQ(dev->row_access(kTile, first, a), Status::kOk);
    return a;
  }
};

class DriverRowOwners : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string(GetParam()) == "unix") {
      daemon_ = std::make_unique<DaemonProcess>();
      base_ = daemon_->uri();
    } else {
      // A device of its own: the table these tests leave must not reach the
      // process's shared test image.
      base_ = "sim://?config=small&tiles=2&instance=owners&nvm=" + dir_.path + "/owners.nvm";
    }
  }
  std::string uri(const std::string& owner) const { return with_query(base_, "owner=" + owner); }

  // alice's weights in rows 0..kK-1 of tile 0, and her MVM of x over them.
  void program_alice(Client& alice) {
    std::mt19937 rng(7);
    w_.resize(kK * alice.lanes);
    x_.resize(kK);
    for (auto& v : w_) v = static_cast<int8_t>(rng());
    for (auto& v : x_) v = static_cast<int8_t>(rng());
    std::memcpy(alice.weights->data(), w_.data(), w_.size());
    std::memcpy(alice.input->data(), x_.data(), x_.size());
    ASSERT_EQ(alice.run(cmd::program_nvm(0, kTile, 0, kK, alice.weights->iova())).status, 0);
    expect_alice_mvm(alice);
  }
  void expect_alice_mvm(Client& c) {
    const CompletionRecord d =
        c.run(cmd::mvm(0, kTile, 0, kK, c.sram0, c.input->iova(), c.out->iova()));
    ASSERT_EQ(d.status, 0);
    EXPECT_EQ(c.result(), mvm_reference(w_, x_, c.lanes));
  }
  static void expect_denied(const CompletionRecord& d, sd::DevOpcode op) {
    EXPECT_EQ(d.status, static_cast<uint16_t>(sd::DevStatus::kRowDenied));
    EXPECT_EQ(d.opcode, static_cast<uint8_t>(op));
    EXPECT_EQ(d.cycles, 0u);
  }

  TempDir dir_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string base_;
  std::vector<int8_t> w_, x_;
};

TEST_P(DriverRowOwners, AnotherOwnersCommandsAreRefusedAndMoveNothing) {
  Client alice(uri("alice")), bob(uri("bob"));
  EXPECT_EQ(alice.dev->owner(), owner_identity(::getuid(), "alice"));
  EXPECT_EQ(bob.dev->owner(), owner_identity(::getuid(), "bob"));
  program_alice(alice);

  // Every way bob could reach rows 0..3: refused, his buffer untouched.
  std::memset(bob.weights->data(), 0x11, bob.weights->size());
  std::memset(bob.input->data(), 1, bob.input->size());
  const uint64_t o = bob.out->iova();
  expect_denied(bob.run(cmd::read_sram(0, kTile, 0, kK, o)), sd::DevOpcode::kReadSram);
  EXPECT_TRUE(bob.untouched());
  expect_denied(bob.run(cmd::read_sram(0, kTile, 3, 2, o)), sd::DevOpcode::kReadSram);
  EXPECT_TRUE(bob.untouched());
  expect_denied(bob.run(cmd::mvm(0, kTile, 0, kK, bob.sram0, bob.input->iova(), o)),
                sd::DevOpcode::kMvm);
  EXPECT_TRUE(bob.untouched());
  expect_denied(bob.run(cmd::emul(0, kTile, 2, bob.sram0, o)), sd::DevOpcode::kEmul);
  EXPECT_TRUE(bob.untouched());
  expect_denied(bob.run(cmd::program_nvm(0, kTile, 1, 1, bob.weights->iova())),
                sd::DevOpcode::kProgramNvm);
  expect_denied(bob.run(cmd::scrub(0, kTile, 0, kK)), sd::DevOpcode::kScrub);
  ErrorInfo err{};
  ASSERT_EQ(bob.dev->read_error(&err, true), Status::kOk);
  EXPECT_EQ(err.code, static_cast<uint32_t>(sd::DevStatus::kRowDenied));
  EXPECT_EQ(err.addr, uint64_t{kTile} << 32 | 0);  // the scrub's first row
  EXPECT_EQ(err.count, 6u);
  // Wear is the hardware's health, not data: anyone may read it.
  EXPECT_EQ(bob.run(cmd::read_wear(0, kTile, 0, kK, o)).status, 0);
  // bob's reset touches none of alice's rows.
  ASSERT_EQ(bob.dev->reset(), Status::kOk);

  EXPECT_EQ(alice.access(0, kK + 1),
            (std::vector<RowAccess>{RowAccess::kMine, RowAccess::kMine, RowAccess::kMine,
                                    RowAccess::kMine, RowAccess::kFree}));
  EXPECT_EQ(bob.access(0, kK), std::vector<RowAccess>(kK, RowAccess::kTheirs));
  DeviceInfo ai, bi;
  ASSERT_EQ(alice.dev->info(&ai), Status::kOk);
  ASSERT_EQ(bob.dev->info(&bi), Status::kOk);
  EXPECT_EQ(ai.owner, alice.dev->owner());
  EXPECT_EQ(ai.nvm_rows_owned, kK);
  EXPECT_EQ(bi.nvm_rows_owned, 0u);
  ASSERT_EQ(alice.dev->read_error(&err, false), Status::kOk);
  EXPECT_EQ(err.count, 0u);

  // alice's rows and results are as they were.
  expect_alice_mvm(alice);
  ASSERT_EQ(alice.run(cmd::read_sram(0, kTile, 0, kK, alice.out->iova())).status, 0);
  const std::vector<uint8_t> bytes = alice.rows_read(kK);
  EXPECT_EQ(std::memcmp(bytes.data(), w_.data(), w_.size()), 0);

  // A free row is bob's once he programs it; then it is alice's turn to be refused.
  ASSERT_EQ(bob.run(cmd::program_nvm(0, kTile, kK, 1, bob.weights->iova())).status, 0);
  EXPECT_EQ(bob.access(kK, 1)[0], RowAccess::kMine);
  EXPECT_EQ(alice.access(kK, 1)[0], RowAccess::kTheirs);
  expect_denied(alice.run(cmd::read_sram(0, kTile, kK, 1, alice.out->iova())),
                sd::DevOpcode::kReadSram);
  // A second context of the same owner uses the owner's rows.
  Client alice2(uri("alice"));
  std::memcpy(alice2.input->data(), x_.data(), x_.size());
  expect_alice_mvm(alice2);
}

TEST_P(DriverRowOwners, SramIsEachOwnersOwnAndResetIsScoped) {
  Client alice(uri("alice")), bob(uri("bob"));
  const uint32_t s = alice.sram0 + 1;
  std::memset(alice.weights->data(), 0x21, alice.lanes);
  std::memset(bob.weights->data(), 0x42, bob.lanes);
  ASSERT_EQ(alice.run(cmd::write_sram(0, kTile, s, 1, alice.weights->iova())).status, 0);
  ASSERT_EQ(bob.run(cmd::write_sram(0, kTile, s, 1, bob.weights->iova())).status, 0);
  // Each reads back what it wrote, however the device's row was shared.
  ASSERT_EQ(alice.run(cmd::read_sram(0, kTile, s, 1, alice.out->iova())).status, 0);
  EXPECT_EQ(alice.rows_read(1), std::vector<uint8_t>(alice.lanes, 0x21));
  ASSERT_EQ(bob.run(cmd::read_sram(0, kTile, s, 1, bob.out->iova())).status, 0);
  EXPECT_EQ(bob.rows_read(1), std::vector<uint8_t>(bob.lanes, 0x42));
  // A third owner sees none of it.
  Client carol(uri("carol"));
  ASSERT_EQ(carol.run(cmd::read_sram(0, kTile, s, 1, carol.out->iova())).status, 0);
  EXPECT_EQ(carol.rows_read(1), std::vector<uint8_t>(carol.lanes, 0));
  // alice's EMUL multiplies her SRAM row, not bob's: 1 x 0x21 per lane.
  std::vector<int8_t> one(alice.lanes, 1);
  std::memcpy(alice.weights->data(), one.data(), one.size());
  ASSERT_EQ(alice.run(cmd::program_nvm(0, kTile, 9, 1, alice.weights->iova())).status, 0);
  ASSERT_EQ(alice.run(cmd::emul(0, kTile, 9, s, alice.out->iova())).status, 0);
  EXPECT_EQ(alice.result(), std::vector<int32_t>(alice.lanes, 0x21));
  // bob's reset zeroes his SRAM, not alice's.
  ASSERT_EQ(bob.dev->reset(), Status::kOk);
  ASSERT_EQ(bob.run(cmd::read_sram(0, kTile, s, 1, bob.out->iova())).status, 0);
  EXPECT_EQ(bob.rows_read(1), std::vector<uint8_t>(bob.lanes, 0));
  ASSERT_EQ(alice.run(cmd::read_sram(0, kTile, s, 1, alice.out->iova())).status, 0);
  EXPECT_EQ(alice.rows_read(1), std::vector<uint8_t>(alice.lanes, 0x21));
}

TEST_P(DriverRowOwners, SharedRowsAreReadOnlyForEveryone) {
  Client alice(uri("alice")), bob(uri("bob"));
  program_alice(alice);
  EXPECT_EQ(bob.dev->share_rows(kTile, 0, kK, true), Status::kPermission);
  ASSERT_EQ(alice.dev->share_rows(kTile, 0, kK, true), Status::kOk);
  EXPECT_EQ(alice.access(0, 1)[0], RowAccess::kMineShared);
  EXPECT_EQ(bob.access(0, 1)[0], RowAccess::kShared);
  // bob computes with them and reads them...
  std::memcpy(bob.input->data(), x_.data(), x_.size());
  expect_alice_mvm(bob);
  // ...but nobody programs them while they are shared, and they cannot be
  // released from under their readers.
  expect_denied(bob.run(cmd::program_nvm(0, kTile, 0, 1, bob.weights->iova())),
                sd::DevOpcode::kProgramNvm);
  expect_denied(alice.run(cmd::program_nvm(0, kTile, 0, 1, alice.weights->iova())),
                sd::DevOpcode::kProgramNvm);
  EXPECT_EQ(alice.dev->release_rows(kTile, 0, kK), Status::kPermission);
  EXPECT_EQ(bob.dev->release_rows(kTile, 0, kK), Status::kPermission);
  expect_denied(bob.run(cmd::scrub(0, kTile, 0, kK)), sd::DevOpcode::kScrub);
  EXPECT_EQ(alice.run(cmd::scrub(0, kTile, 0, kK)).status, 0);
  expect_alice_mvm(alice);
  // Taken back: bob is refused again, alice may program.
  ASSERT_EQ(alice.dev->share_rows(kTile, 0, kK, false), Status::kOk);
  expect_denied(bob.run(cmd::mvm(0, kTile, 0, kK, bob.sram0, bob.input->iova(), bob.out->iova())),
                sd::DevOpcode::kMvm);
  EXPECT_EQ(alice.run(cmd::program_nvm(0, kTile, 0, 1, alice.weights->iova())).status, 0);
}

TEST_P(DriverRowOwners, ReleasedRowsAreUnreadableUntilProgrammed) {
  Client alice(uri("alice")), bob(uri("bob"));
  program_alice(alice);
  EXPECT_EQ(bob.dev->release_rows(kTile, 0, 1), Status::kPermission);
  EXPECT_EQ(alice.dev->release_rows(kTile, 0, kK + 1), Status::kPermission);  // row 4 is free
  EXPECT_EQ(alice.access(0, 1)[0], RowAccess::kMine);                         // nothing changed
  EXPECT_EQ(alice.dev->release_rows(kTile, 30, 3), Status::kInvalid);         // past row 31
  EXPECT_EQ(alice.dev->release_rows(2, 0, 1), Status::kInvalid);              // no tile 2
  EXPECT_EQ(alice.dev->release_rows(kTile, 0, 0), Status::kInvalid);
  ASSERT_EQ(alice.dev->release_rows(kTile, 0, kK), Status::kOk);
  EXPECT_EQ(alice.access(0, kK), std::vector<RowAccess>(kK, RowAccess::kReleased));
  EXPECT_EQ(bob.access(0, kK), std::vector<RowAccess>(kK, RowAccess::kReleased));
  // The old bits are still in the cells: no read shows them, not even alice's.
  expect_denied(bob.run(cmd::read_sram(0, kTile, 0, kK, bob.out->iova())),
                sd::DevOpcode::kReadSram);
  EXPECT_TRUE(bob.untouched());
  expect_denied(
      alice.run(cmd::mvm(0, kTile, 0, kK, alice.sram0, alice.input->iova(), alice.out->iova())),
      sd::DevOpcode::kMvm);
  // Programming claims a released row.
  std::memset(bob.weights->data(), 0x05, bob.weights->size());
  ASSERT_EQ(bob.run(cmd::program_nvm(0, kTile, 0, kK, bob.weights->iova())).status, 0);
  EXPECT_EQ(bob.access(0, kK), std::vector<RowAccess>(kK, RowAccess::kMine));
  EXPECT_EQ(alice.access(0, kK), std::vector<RowAccess>(kK, RowAccess::kTheirs));
  ASSERT_EQ(bob.run(cmd::read_sram(0, kTile, 0, kK, bob.out->iova())).status, 0);
  EXPECT_EQ(bob.rows_read(kK), std::vector<uint8_t>(size_t{kK} * bob.lanes, 0x05));
  // row_access range checks.
  std::vector<RowAccess> a(3);
  EXPECT_EQ(bob.dev->row_access(kTile, 30, a), Status::kInvalid);
  EXPECT_EQ(bob.dev->row_access(5, 0, a), Status::kInvalid);
}

TEST_P(DriverRowOwners, OwnerNamesAreChecked) {
  for (const char* bad : {"", "a/b", "caf%C3%A9", "x y"}) {
    try {
      Device::open(uri(bad));
      ADD_FAILURE() << "owner '" << bad << "' was accepted";
    } catch (const DriverError& e) {
      EXPECT_EQ(e.status, Status::kInvalid) << bad;
      EXPECT_NE(std::string(e.what()).find("owner"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(Device::open(uri(std::string(63, 'n')))->owner(),
            owner_identity(::getuid(), std::string(63, 'n')));
  EXPECT_THROW(Device::open(uri(std::string(64, 'n'))), DriverError);
  // No owner named: the default namespace.
  EXPECT_EQ(Device::open(base_)->owner(), owner_identity(::getuid(), "default"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DriverRowOwners, ::testing::Values("sim", "unix"),
                         [](const auto& info) { return std::string(info.param); });

// The table lives beside the NVM image: the device built again from it (its
// last context closed, then a new open) still knows every row's owner, and a
// damaged table stops the device from starting rather than freeing every row.
TEST(DriverRowOwnersStore, OutlivesTheDeviceAndRefusesDamage) {
  TempDir dir;
  const std::string image = dir.path + "/store.nvm";
  const std::string base = "sim://?config=small&tiles=2&instance=store&nvm=" + image;
  std::vector<uint8_t> w;
  {
    Client alice(base + "&owner=alice");
    w.assign(size_t{2} * alice.lanes, 0x33);
    std::memcpy(alice.weights->data(), w.data(), w.size());
    ASSERT_EQ(alice.run(cmd::program_nvm(0, kTile, 6, 2, alice.weights->iova())).status, 0);
    ASSERT_EQ(alice.dev->share_rows(kTile, 6, 1, true), Status::kOk);
  }
  {
    Client bob(base + "&owner=bob");
    EXPECT_EQ(bob.access(5, 4), (std::vector<RowAccess>{RowAccess::kFree, RowAccess::kShared,
                                                        RowAccess::kTheirs, RowAccess::kFree}));
    Client alice(base + "&owner=alice");
    EXPECT_EQ(alice.access(6, 2),
              (std::vector<RowAccess>{RowAccess::kMineShared, RowAccess::kMine}));
    ASSERT_EQ(alice.run(cmd::read_sram(0, kTile, 6, 2, alice.out->iova())).status, 0);
    EXPECT_EQ(alice.rows_read(2), w);
  }
  const std::string table = image + ".owners.json";
  ASSERT_TRUE(std::filesystem::exists(table));
  for (const char* damage : {"{\"format\": \"hycim-row-owners\"", "[]",
                             "{\"format\":\"hycim-row-owners\",\"version\":1,\"tiles\":2,"
                             "\"nvm_rows\":32,\"owners\":[\"a\"],\"rows\":[[0,30,5,1,\"owned\"]]}",
                             "{\"format\":\"hycim-row-owners\",\"version\":1,\"tiles\":3,"
                             "\"nvm_rows\":32,\"owners\":[],\"rows\":[]}"}) {
    std::ofstream(table, std::ios::trunc) << damage;
    try {
      Device::open(base);
      ADD_FAILURE() << "opened with table " << damage;
    } catch (const DriverError& e) {
      EXPECT_NE(std::string(e.what()).find(table), std::string::npos) << e.what();
    }
  }
}

// Claims are stored before the commands that made them run: when the table
// cannot be written (here its temporary file's name is taken by a
// directory), a command that claims rows completes NVM_IO and programs
// nothing, one on rows already held still runs, and once the table can be
// written again the next claim stores both.
TEST(DriverRowOwnersStore, AClaimThatCannotBeStoredDoesNotRun) {
  TempDir dir;
  const std::string image = dir.path + "/io.nvm";
  const std::string table = image + ".owners.json";
  const std::string uri = "sim://?config=small&tiles=2&instance=io&nvm=" + image;
  auto owner = std::make_unique<Client>(uri + "&owner=alice");
  Client& alice = *owner;
  std::memset(alice.weights->data(), 0x44, alice.weights->size());
  ASSERT_EQ(alice.run(cmd::program_nvm(0, kTile, 0, 1, alice.weights->iova())).status, 0);
  ASSERT_TRUE(std::filesystem::create_directory(table + ".tmp"));
  const CompletionRecord refused =
      alice.run(cmd::program_nvm(0, kTile, 1, 1, alice.weights->iova()));
  EXPECT_EQ(refused.status, static_cast<uint16_t>(sd::DevStatus::kNvmIo));
  EXPECT_EQ(refused.opcode, static_cast<uint8_t>(sd::DevOpcode::kProgramNvm));
  ErrorInfo err{};
  ASSERT_EQ(alice.dev->read_error(&err, true), Status::kOk);
  EXPECT_EQ(err.code, static_cast<uint32_t>(sd::DevStatus::kNvmIo));
  EXPECT_EQ(err.addr, uint64_t{kTile} << 32 | 1);
  // Row 1 was never programmed; row 0, already alice's, still is programmable.
  ASSERT_EQ(alice.run(cmd::read_wear(0, kTile, 0, 2, alice.out->iova())).status, 0);
  uint32_t wear[2];
  std::memcpy(wear, alice.out->data(), sizeof wear);
  EXPECT_EQ(wear[0], 1u);
  EXPECT_EQ(wear[1], 0u);
  EXPECT_EQ(alice.run(cmd::program_nvm(0, kTile, 0, 1, alice.weights->iova())).status, 0);
  std::filesystem::remove(table + ".tmp");
  ASSERT_EQ(alice.run(cmd::program_nvm(0, kTile, 2, 1, alice.weights->iova())).status, 0);
  // The device built again from the stored table: rows 0..2 are alice's
  // (row 1 from the claim that could not be stored at the time).
  owner.reset();  // the device's last context: it is destroyed
  Client again(uri + "&owner=alice");
  EXPECT_EQ(again.access(0, 4), (std::vector<RowAccess>{RowAccess::kMine, RowAccess::kMine,
                                                        RowAccess::kMine, RowAccess::kFree}));
}

}  // namespace
}  // namespace hycim::driver::test
