// NVM residency by content hash: a block catalogued by an earlier catalog
// user is found, checked by read-back and not programmed again; a catalog
// that no longer matches the NVM costs a reprogram, never a wrong answer;
// full NVM evicts the least recently used blocks of earlier users, logged;
// the catalog file is locked, and a damaged one is refused by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/cim/nvm_residency.hpp"
#include "tests/runtime/device_engines.hpp"

namespace hycim::cim {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

class Residency : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hycim_residency_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    catalog_ = dir_ / "nvm.img.resident.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `rows` rows of 8 lanes, every byte derived from `seed`.
  static std::vector<uint8_t> block(uint32_t rows, uint8_t seed) {
    std::vector<uint8_t> b(size_t{rows} * 8);
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed + 7 * i);
    return b;
  }
  std::unique_ptr<NvmResidency> open(const Geometry& g) {
    return std::make_unique<NvmResidency>(
        ResidentCatalog::open(catalog_, g, std::chrono::milliseconds(100)),
        [this](const std::string& s) { log_.push_back(s); });
  }

  fs::path dir_, catalog_;
  std::vector<std::string> log_;
};

TEST_F(Residency, LaterUserFindsBlocksResidentAndDoesNotProgram) {
  auto owner = test::device_engine(2);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  const auto a = block(20, 1), b = block(12, 2);
  std::pair<uint32_t, uint32_t> at_a, at_b;
  {
    auto r = open(engine.geometry());
    at_a = r->place(engine, a, "m.onnx:a", true, nullptr);
    at_b = r->place(engine, b, "m.onnx:b", true, nullptr);
    EXPECT_EQ(r->counters().blocks_programmed, 2u);
    EXPECT_EQ(r->counters().rows_programmed, 32u);
  }  // saved
  const uint64_t cycles0 = engine.cycles(0) + engine.cycles(1);
  auto r = open(engine.geometry());
  EXPECT_EQ(r->place(engine, a, "m.onnx:a", true, nullptr), at_a);
  EXPECT_EQ(r->place(engine, b, "m.onnx:b", true, nullptr), at_b);
  const ResidencyCounters c = r->counters();
  EXPECT_EQ(c.blocks_found, 2u);
  EXPECT_EQ(c.rows_found, 32u);
  EXPECT_EQ(c.blocks_programmed, 0u);
  // Checking costs reads (one cycle per row), never a program (NVM_PROG_CYCLES per row).
  EXPECT_EQ(engine.cycles(0) + engine.cycles(1) - cycles0, 32u);
  ASSERT_EQ(r->blocks().size(), 2u);
  EXPECT_EQ(r->blocks()[0].last_used, 2u);  // second generation
  EXPECT_TRUE(log_.empty());
}

TEST_F(Residency, CatalogThatNoLongerMatchesNvmIsReprogrammed) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  const auto a = block(8, 3);
  std::pair<uint32_t, uint32_t> at;
  { at = open(engine.geometry())->place(engine, a, "m.onnx:a", true, nullptr); }
  engine.program(at.first, at.second + 2, block(1, 99));  // someone wrote behind the catalog
  auto r = open(engine.geometry());
  r->place(engine, a, "m.onnx:a", true, nullptr);
  EXPECT_EQ(r->counters().blocks_stale, 1u);
  EXPECT_EQ(r->counters().blocks_programmed, 1u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("'m.onnx:a'"));
  EXPECT_THAT(log_[0], HasSubstr("no longer holds its bytes"));
  std::vector<uint8_t> back(a.size());
  const auto now = r->blocks().at(0);
  engine.read(now.tile, now.row, back);
  EXPECT_EQ(back, a);
}

TEST_F(Residency, FullNvmEvictsLeastRecentlyUsedAndLogsIt) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;        // 32 rows in all
  const auto x = block(16, 4), y = block(16, 5), z = block(16, 6), w = block(16, 7);
  {
    auto r = open(engine.geometry());
    r->place(engine, x, "old.onnx:x", true, nullptr);
    r->place(engine, y, "old.onnx:y", true, nullptr);
  }
  auto r = open(engine.geometry());
  const auto at_y = r->place(engine, y, "new.onnx:y", true, nullptr);  // used again: kept
  const auto at_z = r->place(engine, z, "new.onnx:z", true, nullptr);  // x goes
  EXPECT_NE(at_z, at_y);
  EXPECT_EQ(r->counters().blocks_evicted, 1u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("evicting 'old.onnx:x'"));
  EXPECT_THAT(log_[0], HasSubstr("tile 0 rows 0..15"));
  // Only this generation's blocks are left: nothing may be evicted for w.
  try {
    r->place(engine, w, "new.onnx:w", true, nullptr);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("new.onnx:w: no tile has 16 free NVM rows"));
  }
  EXPECT_EQ(r->blocks().size(), 2u);
}

TEST_F(Residency, ARunThatPlacesNothingNewWritesNothing) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  auto r = open(engine.geometry());
  r->place(engine, block(8, 1), "m.onnx:a", true, nullptr);
  r->save();
  const auto written = fs::last_write_time(catalog_);
  r->place(engine, block(8, 1), "m.onnx:a", true, nullptr);  // found: nothing changes
  r->save();
  r->save();
  EXPECT_EQ(fs::last_write_time(catalog_), written);  // no rewrite, no fsync per run
}

TEST_F(Residency, IdenticalBlocksShareRows) {
  auto owner = test::device_engine(2);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  auto r = open(engine.geometry());
  const auto a = block(8, 9);
  const auto first = r->place(engine, a, "m.onnx:a1", true, nullptr);
  EXPECT_EQ(r->place(engine, a, "m.onnx:a2", true, nullptr), first);
  EXPECT_EQ(r->counters().blocks_programmed, 1u);
  EXPECT_EQ(r->counters().blocks_found, 1u);
}

TEST_F(Residency, ScratchRowsAreFreedPerOwner) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  auto r = open(engine.geometry());
  int one = 0, two = 0;
  r->place(engine, block(16, 1), "tmp1", false, &one);
  r->place(engine, block(16, 2), "tmp2", false, &two);
  EXPECT_EQ(r->used_rows(), 32u);
  r->release_scratch(&one);
  EXPECT_EQ(r->used_rows(), 16u);
  EXPECT_TRUE(r->blocks().empty());  // scratch is never catalogued
}

TEST_F(Residency, ProgramsSpreadOverTheLeastWornRows) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;        // 32 rows, endurance 8 (spec/hycim.json)
  auto r = open(engine.geometry());
  for (int i = 0; i < 40; ++i) {  // 40 x 4 rows = 160 programs over 32 rows
    r->place(engine, block(4, static_cast<uint8_t>(i)), "tmp", false, this);
    r->release_scratch(this);
  }
  std::vector<uint32_t> wear(32);
  engine.read_wear(0, 0, wear);
  EXPECT_EQ(wear, std::vector<uint32_t>(32, 5));  // first fit would have worn rows 0..3 out
}

TEST_F(Residency, WornOutRowsAreSkippedThenTheDeviceIsFull) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  auto r = open(engine.geometry());
  for (int i = 0; i < 64; ++i) {  // every row programmed up to its endurance (8)
    r->place(engine, block(4, static_cast<uint8_t>(i)), "tmp", false, this);
    r->release_scratch(this);
  }
  try {
    r->place(engine, block(4, 1), "one more", false, this);
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("one more: no tile has 4 free NVM rows that are not worn out"));
  }
  ASSERT_FALSE(log_.empty());
  EXPECT_EQ(log_[0], "tile 0 row 0 is worn out (8 programs); not used again");
}

TEST_F(Residency, SecondUserOfTheCatalogIsToldWhoHoldsIt) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  auto held = open(engine.geometry());
  try {
    ResidentCatalog::open(catalog_, engine.geometry(), std::chrono::milliseconds(50));
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("in use by process " + std::to_string(::getpid())));
  }
}

TEST_F(Residency, DamagedOrForeignCatalogIsRefusedByName) {
  auto owner = test::device_engine(1);  // small: 32 NVM rows x 8 lanes
  DriverEngine& engine = *owner;
  std::ofstream(catalog_) << "{\"format\": \"hycim-resident-catalog\", \"version\": 1,";
  try {
    open(engine.geometry());
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr(catalog_.string()));
    EXPECT_THAT(e.what(), HasSubstr("not valid JSON"));
  }
  std::ifstream in(catalog_);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}),
            "{\"format\": \"hycim-resident-catalog\", \"version\": 1,");  // left as it was
  fs::remove(catalog_);
  { open(engine.geometry())->place(engine, block(4, 1), "m.onnx:a", true, nullptr); }
  try {
    open(test::device_engine(2)->geometry());
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("written for another device geometry"));
  }
}

// Catalogs of the right format whose members have the wrong JSON type: each
// is refused with an EngineError naming the file and the member, never
// nlohmann's own exception or an unchecked conversion (found by
// residency_catalog_fuzz).
TEST_F(Residency, CatalogMembersOfTheWrongTypeAreRefusedByName) {
  const Geometry g{4, 8, 64, 64, 0};
  const std::string head = R"({"format": "hycim-resident-catalog", "version": 1, )"
                           R"("geometry": {"tiles": 4, "nvm_rows": 64, "lanes": 8}, )";
  const std::string hash(64, 'a');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"format": "hycim-resident-catalog", "version": 1, "generation": 1, "blocks": []})",
       "'geometry' missing or not an object"},
      {R"({"format": 7, "version": "1"})", "not a hycim-resident-catalog version 1 file"},
      {head + R"("generation": "3", "blocks": []})", "'generation' missing or not an unsigned"},
      {head + R"("generation": 1e300, "blocks": []})", "'generation' missing or not an unsigned"},
      {head + R"("generation": 1, "blocks": [7]})", "block 7 is not an object"},
      {head + R"("generation": 1, "blocks": [{"hash": 5, "tile": 0, "row": 0, "rows": 1}]})",
       "'hash' is not a string"},
      {head + R"("generation": 1, "blocks": [{"hash": ")" + hash +
           R"(", "tile": 0, "row": 0, "rows": 1, "label": [], "last_used": 0}]})",
       "'label' is not a string"},
      {head + R"("generation": 1, "blocks": [{"hash": ")" + hash +
           R"(", "tile": 0, "row": 0, "rows": 1, "last_used": -1}]})",
       "'last_used' missing or not an unsigned"},
      {head + R"("generation": 1, "blocks": [{"hash": ")" + hash +
           R"(", "tile": 4294967296, "row": 0, "rows": 1}]})",
       "'tile' missing or not an unsigned number up to 4294967295"},
  };
  for (const auto& [text, why] : cases) {
    std::ofstream(catalog_, std::ios::trunc) << text;
    try {
      ResidentCatalog::open(catalog_, g, std::chrono::milliseconds(100));
      ADD_FAILURE() << "no error for " << text;
    } catch (const EngineError& e) {
      EXPECT_THAT(e.what(), HasSubstr(catalog_.string())) << text;
      EXPECT_THAT(e.what(), HasSubstr(why)) << text;
    }
  }
}

// A catalog whose blocks overlap opens (the check needs the free map) and
// is refused when rows are placed; releasing scratch rows, which a backend's
// destructor does, must not throw there (found by residency_catalog_fuzz).
TEST_F(Residency, OverlappingCatalogIsRefusedOnPlacementAndReleaseDoesNotThrow) {
  const Geometry g{4, 8, 64, 64, 0};
  const std::string hash(64, 'a'), other(64, 'b');
  std::ofstream(catalog_) << R"({"format": "hycim-resident-catalog", "version": 1, )"
                          << R"("geometry": {"tiles": 4, "nvm_rows": 64, "lanes": 8}, )"
                          << R"("generation": 1, "blocks": [)"
                          << R"({"hash": ")" << hash << R"(", "tile": 0, "row": 0, "rows": 4},)"
                          << R"({"hash": ")" << other << R"(", "tile": 0, "row": 2, "rows": 4}]})";
  auto residency = open(g);
  int owner = 0;
  EXPECT_NO_THROW(residency->release_scratch(&owner));
  try {
    (void)residency->free_rows();
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), HasSubstr("overlaps another or lies outside the device"));
  }
}

}  // namespace
}  // namespace hycim::cim
