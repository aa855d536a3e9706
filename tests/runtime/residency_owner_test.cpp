// NVM residency with row ownership (docs/runtime.md "Residency", docs/driver.md
// "Row ownership"): two owners (owner=alice, owner=bob) of one persistent
// sim:// device keep their own copies of identical weights unless the first
// shares them read-only; nobody evicts or erases another owner's blocks; a
// device another owner fills is refused with the shortfall, not by a
// ROW_DENIED; erased rows are released for every owner.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"

namespace hycim::cim {
namespace {
namespace fs = std::filesystem;
using driver::RowAccess;
using ::testing::HasSubstr;
using ::testing::Not;

class ResidencyOwners : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<unsigned> next{0};
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("hycim_residency_owners_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    image_ = dir_ / "nvm.img";
    instance_ = "owners" + std::to_string(next++);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A context of `owner` on the test's device: small tiles (32 NVM rows x 8 lanes).
  std::unique_ptr<DriverEngine> open_engine(const std::string& owner, uint32_t tiles = 2) {
    DriverEngineOptions o;
    o.uri = "sim://?config=small&tiles=" + std::to_string(tiles) + "&nvm=" + image_.string() +
            "&instance=" + instance_ + "&owner=" + owner;
    return std::make_unique<DriverEngine>(o);
  }
  std::unique_ptr<NvmResidency> open_residency(const MvmEngine& engine) {
    return std::make_unique<NvmResidency>(
        ResidentCatalog::open(catalog_path_for(engine.nvm_store()), engine.geometry(),
                              std::chrono::milliseconds(100)),
        [this](const std::string& s) { log_.push_back(s); });
  }

  // `rows` rows of 8 lanes, every byte derived from `seed`.
  static std::vector<uint8_t> block(uint32_t rows, uint8_t seed) {
    std::vector<uint8_t> b(size_t{rows} * 8);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed + 7 * i);
    return b;
  }
  // The MVM over a block at `at` equals the host's product with its bytes.
  static void expect_mvm(MvmEngine& engine, std::pair<uint32_t, uint32_t> at,
                         const std::vector<uint8_t>& w) {
    const uint32_t k = static_cast<uint32_t>(w.size() / 8);
    std::vector<uint8_t> x(k);
    for (uint32_t i = 0; i < k; ++i) x[i] = static_cast<uint8_t>(3 * i + 1);
    std::vector<int32_t> acc(8), want(8, 0);
    for (uint32_t i = 0; i < k; ++i)
      for (uint32_t l = 0; l < 8; ++l)
        want[l] += int32_t{static_cast<int8_t>(x[i])} * int32_t{static_cast<int8_t>(w[i * 8 + l])};
    const MvmJob job{at.first, at.second, x, acc, true, true};
    engine.mvm(std::span(&job, 1));
    EXPECT_EQ(acc, want) << "tile " << at.first << " row " << at.second;
  }
  static std::vector<RowAccess> access_of(MvmEngine& engine, std::pair<uint32_t, uint32_t> at,
                                          uint32_t rows) {
    const auto all = engine.row_access(at.first);
    return {all.begin() + at.second, all.begin() + at.second + rows};
  }

  fs::path dir_, image_;
  std::string instance_;
  std::vector<std::string> log_;
};

using At = std::vector<std::optional<std::pair<uint32_t, uint32_t>>>;

TEST_F(ResidencyOwners, EachOwnerKeepsItsOwnCopyOfIdenticalWeights) {
  const auto a = block(12, 1), b = block(8, 2);
  const NvmResidency::Request req[] = {{a, "m.onnx:a"}, {b, "m.onnx:b"}};
  At alice_at, bob_at;
  {
    auto alice = open_engine("alice");
    auto r = open_residency(*alice);
    alice_at = r->place_all(*alice, req, true);
    EXPECT_EQ(r->counters().rows_programmed, 20u);
  }
  {
    auto bob = open_engine("bob");
    auto r = open_residency(*bob);
    bob_at = r->place_all(*bob, req, true);
    const ResidencyCounters c = r->counters();
    EXPECT_EQ(c.blocks_found, 0u);
    EXPECT_EQ(c.rows_programmed, 20u);
    EXPECT_EQ(c.blocks_evicted, 0u);
    for (size_t i = 0; i < 2; ++i) {
      ASSERT_TRUE(bob_at[i] && alice_at[i]);
      EXPECT_NE(*bob_at[i], *alice_at[i]);
    }
    expect_mvm(*bob, *bob_at[0], a);
    expect_mvm(*bob, *bob_at[1], b);
    // Alice's entries stay in the catalog, and her rows are hers.
    const auto blocks = r->blocks();
    ASSERT_EQ(blocks.size(), 4u);
    EXPECT_EQ(std::count_if(blocks.begin(), blocks.end(),
                            [](const ResidentBlock& x) { return x.owner.ends_with("/alice"); }),
              2);
    EXPECT_THAT(access_of(*bob, *alice_at[0], 12), ::testing::Each(RowAccess::kTheirs));
  }
  auto alice = open_engine("alice");
  auto r = open_residency(*alice);
  const At again = r->place_all(*alice, req, true);
  EXPECT_EQ(again, alice_at);
  EXPECT_EQ(r->counters().blocks_found, 2u);
  EXPECT_EQ(r->counters().rows_programmed, 0u);
  expect_mvm(*alice, *again[0], a);
  expect_mvm(*alice, *again[1], b);
  for (const auto& line : log_) EXPECT_THAT(line, Not(HasSubstr("evicting")));
}

TEST_F(ResidencyOwners, SharedBlocksServeOtherOwnersWhoCannotEraseThem) {
  const auto a = block(12, 3), b = block(8, 4);
  const NvmResidency::Request req[] = {{a, "m.onnx:a"}, {b, "m.onnx:b"}};
  At alice_at;
  {
    auto alice = open_engine("alice");
    auto r = open_residency(*alice);
    r->set_share_constants(true);
    alice_at = r->place_all(*alice, req, true);
    EXPECT_THAT(access_of(*alice, *alice_at[0], 12), ::testing::Each(RowAccess::kMineShared));
  }
  {
    auto bob = open_engine("bob");
    auto r = open_residency(*bob);
    const At at = r->place_all(*bob, req, true);
    EXPECT_EQ(at, alice_at);
    EXPECT_EQ(r->counters().blocks_found, 2u);
    EXPECT_EQ(r->counters().rows_programmed, 0u);
    expect_mvm(*bob, *at[0], a);
    expect_mvm(*bob, *at[1], b);
    EXPECT_THAT(access_of(*bob, *at[0], 12), ::testing::Each(RowAccess::kShared));
    for (bool wipe : {false, true}) {
      std::vector<ResidentBlock> skipped;
      const auto gone = r->erase(
          *bob, [](const ResidentBlock&) { return true; }, wipe, &skipped);
      EXPECT_TRUE(gone.empty());
      EXPECT_EQ(skipped.size(), 2u);
      EXPECT_EQ(r->blocks().size(), 2u);
    }
  }
  auto alice = open_engine("alice");
  EXPECT_THAT(access_of(*alice, *alice_at[0], 12), ::testing::Each(RowAccess::kMineShared));
  EXPECT_THAT(access_of(*alice, *alice_at[1], 8), ::testing::Each(RowAccess::kMineShared));
  auto r = open_residency(*alice);
  EXPECT_EQ(r->place_all(*alice, req, true), alice_at);
  EXPECT_EQ(r->counters().rows_programmed, 0u);
}

TEST_F(ResidencyOwners, DeviceFullOfAnotherOwnersBlocksIsRefusedAndNothingEvicted) {
  const auto x = block(16, 5), y = block(16, 6), z = block(16, 7);
  const NvmResidency::Request mine[] = {{x, "a.onnx:x"}, {y, "a.onnx:y"}};
  const NvmResidency::Request theirs[] = {{z, "b.onnx:z"}};
  {
    auto alice = open_engine("alice", 1);  // 32 rows in all
    auto r = open_residency(*alice);
    r->place_all(*alice, mine, true);
  }
  {
    auto bob = open_engine("bob", 1);
    auto r = open_residency(*bob);
    EXPECT_EQ(r->shortfall(*bob, theirs).rows_short, 16u);
    EXPECT_EQ(r->shortfall(*bob, theirs).evictable_rows, 0u);
    EXPECT_EQ(r->shortfall(*bob, theirs).foreign_rows, 32u);
    try {
      r->place_all(*bob, theirs, true);
      FAIL() << "no error";
    } catch (const RowDeniedError& e) {
      FAIL() << "refused by the device: " << e.what();
    } catch (const EngineError& e) {
      EXPECT_THAT(e.what(), HasSubstr("the weights do not fit the device's NVM"));
      EXPECT_THAT(e.what(), HasSubstr("(and 0 more held by other models' blocks that may be "
                                      "evicted; 32 held by other owners, never evicted)"));
    }
    try {
      r->place(*bob, z, "b.onnx:z", true, nullptr);
      FAIL() << "no error";
    } catch (const RowDeniedError& e) {
      FAIL() << "refused by the device: " << e.what();
    } catch (const EngineError& e) {
      EXPECT_THAT(e.what(), HasSubstr("b.onnx:z: no tile has 16 free NVM rows"));
      EXPECT_THAT(e.what(), HasSubstr("32 rows are other owners', never evicted"));
    }
    EXPECT_EQ(r->counters().blocks_evicted, 0u);
    EXPECT_EQ(r->blocks().size(), 2u);
    EXPECT_EQ(r->free_rows(), 0u);
  }
  for (const auto& line : log_) EXPECT_THAT(line, Not(HasSubstr("evicting")));
  auto alice = open_engine("alice", 1);
  auto r = open_residency(*alice);
  r->place_all(*alice, mine, true);
  EXPECT_EQ(r->counters().blocks_found, 2u);
  EXPECT_EQ(r->counters().rows_programmed, 0u);
}

TEST_F(ResidencyOwners, EraseReleasesTheRowsForOtherOwners) {
  const auto x = block(16, 8), y = block(16, 9), u = block(16, 10), v = block(16, 11);
  const NvmResidency::Request mine[] = {{x, "a.onnx:x"}, {y, "a.onnx:y"}};
  const NvmResidency::Request theirs[] = {{u, "b.onnx:u"}, {v, "b.onnx:v"}};
  At alice_at;
  {
    auto alice = open_engine("alice", 1);
    auto r = open_residency(*alice);
    alice_at = r->place_all(*alice, mine, true);
    const auto gone = r->erase(
        *alice, [](const ResidentBlock&) { return true; }, false);
    EXPECT_EQ(gone.size(), 2u);
    EXPECT_TRUE(r->blocks().empty());
    EXPECT_THAT(alice->row_access(0), ::testing::Each(RowAccess::kReleased));
    EXPECT_THAT(r->row_access(*alice, 0), ::testing::Each(RowAccess::kReleased));
    EXPECT_EQ(r->free_rows(), 32u);
  }
  auto bob = open_engine("bob", 1);
  EXPECT_THAT(bob->row_access(0), ::testing::Each(RowAccess::kReleased));
  auto r = open_residency(*bob);
  const At at = r->place_all(*bob, theirs, true);
  EXPECT_EQ(r->counters().rows_programmed, 32u);
  expect_mvm(*bob, *at[0], u);
  expect_mvm(*bob, *at[1], v);
  EXPECT_THAT(bob->row_access(0), ::testing::Each(RowAccess::kMine));
}

// Rows another owner claims after this residency read the row access: the
// device refuses them, the residency learns the tile again and places
// elsewhere.
TEST_F(ResidencyOwners, RowsClaimedMeanwhileArePlacedAround) {
  auto bob = open_engine("bob", 1);
  auto r = open_residency(*bob);
  EXPECT_EQ(r->place(*bob, block(4, 15), "b.onnx:p", true, nullptr), std::pair(0u, 0u));
  auto alice = open_engine("alice", 1);
  alice->program(0, 4, block(20, 16));  // rows 4..23
  const auto q = block(8, 17);
  const auto at = r->place(*bob, q, "b.onnx:q", true, nullptr);
  EXPECT_EQ(at, std::pair(0u, 24u));
  expect_mvm(*bob, at, q);
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_.back(), HasSubstr("placing it elsewhere"));
}

// The engine names the row another owner holds, not only the status.
TEST_F(ResidencyOwners, RowDeniedNamesTheTileRowAndOwner) {
  auto alice = open_engine("alice", 1);
  alice->program(0, 4, block(2, 12));
  auto bob = open_engine("bob", 1);
  try {
    bob->program(0, 2, block(4, 13));
    FAIL() << "no error";
  } catch (const RowDeniedError& e) {
    EXPECT_EQ(e.tile, 0u);
    EXPECT_EQ(e.row, 4u);
    EXPECT_THAT(e.what(), HasSubstr("PROGRAM_NVM"));
    EXPECT_THAT(e.what(), HasSubstr("ROW_DENIED"));
    EXPECT_THAT(e.what(), HasSubstr("tile 0 row 4: another owner holds it"));
    EXPECT_THAT(e.what(), HasSubstr("/bob"));
  }
  std::vector<uint8_t> back(16);
  EXPECT_THROW(bob->read(0, 4, back), RowDeniedError);
}

// Catalog entries carry their owner; older catalogs without one read as "".
TEST_F(ResidencyOwners, CatalogKeepsEachBlocksOwner) {
  auto alice = open_engine("alice", 1);
  { open_residency(*alice)->place(*alice, block(4, 14), "m.onnx:w", true, nullptr); }
  const fs::path path = catalog_path_for(alice->nvm_store());
  nlohmann::json j = nlohmann::json::parse(std::ifstream(path));
  ASSERT_EQ(j["blocks"].size(), 1u);
  EXPECT_EQ(j["blocks"][0]["owner"], alice->owner());
  EXPECT_THAT(alice->owner(), HasSubstr("/alice"));
  j["blocks"][0].erase("owner");
  std::ofstream(path, std::ios::trunc) << j.dump();
  EXPECT_EQ(open_residency(*alice)->blocks().at(0).owner, "");
  j["blocks"][0]["owner"] = 5;
  std::ofstream(path, std::ios::trunc) << j.dump();
  try {
    open_residency(*alice);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'owner' is not a string"));
  }
}

}  // namespace
}  // namespace hycim::cim
