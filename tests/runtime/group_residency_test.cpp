// NVM residency across sessions for a device group: each member with an NVM
// image keeps its own catalog next to it, in its own tile numbers, so a later
// session on the same group finds every block resident and programs nothing,
// in either member order; a member whose catalog or image is gone programs
// only its own blocks again; outputs never change.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/cim/multi_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"
#include "runtime/onnx/npy.hpp"
#include "runtime/onnx/onnx_io.hpp"
#include "runtime/onnx/session.hpp"

#ifndef HYCIM_SOURCE_DIR
#error "HYCIM_SOURCE_DIR must point at the repository"
#endif

namespace hycim::runtime {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kDir = std::string(HYCIM_SOURCE_DIR) + "/models/digits/";

struct Result {
  TensorMap outputs;
  cim::ResidencyCounters nvm;
};

class GroupResidency : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    graph_ = new Graph(load_model(kDir + "model.onnx"));
    x_ = new Tensor(read_npy(kDir + "calib_x.npy"));
    ranges_ = new Ranges(calibrate(*graph_, {{{"x", *x_}}}));
  }
  static void TearDownTestSuite() {
    delete graph_;
    delete x_;
    delete ranges_;
  }
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hycim_group_residency_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path image(const std::string& name) const { return dir_ / (name + ".img"); }
  // Two tiles of the default configuration (512 NVM rows x 32 lanes): the
  // digits model's 7 blocks (576 rows) spread over both members of a pair.
  std::string uri(const std::string& name) const {
    return "sim://?tiles=2&nvm=" + image(name).string();
  }
  // One session on the devices named (the first leads the group), run once
  // on the calibration inputs, then closed: its catalogs are saved.
  Result run(const std::vector<std::string>& names) {
    SessionOptions o;
    o.device = uri(names.at(0));
    for (size_t i = 1; i < names.size(); ++i) o.more_devices.push_back(uri(names[i]));
    o.residency_log = [this](const std::string& s) { log_.push_back(s); };
    o.lock_timeout = std::chrono::milliseconds(1000);
    Session s(*graph_, o);
    s.set_ranges(*ranges_);
    Result r{s.run({{"x", *x_}}), {}};
    r.nvm = *s.residency();
    return r;
  }
  // The blocks a member's catalog lists, as its file says.
  size_t catalogued(const std::string& name) const {
    std::ifstream in(cim::catalog_path_for(image(name).string()));
    if (!in) return 0;
    const auto j = nlohmann::json::parse(in);
    for (const auto& b : j["blocks"]) EXPECT_LT(b["tile"].get<uint32_t>(), 2u) << "not local";
    EXPECT_EQ(j["geometry"]["tiles"], 2) << "the member's own geometry";
    return j["blocks"].size();
  }
  static void expect_same(const TensorMap& a, const TensorMap& b) {
    ASSERT_EQ(a.size(), b.size());
    for (const auto& [name, t] : a) {
      ASSERT_TRUE(b.count(name)) << name;
      EXPECT_EQ(t.shape(), b.at(name).shape()) << name;
      EXPECT_EQ(t.values<float>(), b.at(name).values<float>()) << name;
    }
  }

  static Graph* graph_;
  static Tensor* x_;
  static Ranges* ranges_;
  fs::path dir_;
  std::vector<std::string> log_;
};

Graph* GroupResidency::graph_ = nullptr;
Tensor* GroupResidency::x_ = nullptr;
Ranges* GroupResidency::ranges_ = nullptr;

TEST_F(GroupResidency, SecondSessionFindsEveryBlockAndProgramsNothing) {
  const Result first = run({"a", "b"});
  EXPECT_EQ(first.nvm.blocks_programmed, 7u);
  EXPECT_EQ(first.nvm.rows_programmed, 576u);
  EXPECT_EQ(first.nvm.blocks_found, 0u);
  // Each member lists its own blocks, in its own tile numbers.
  const size_t on_a = catalogued("a"), on_b = catalogued("b");
  EXPECT_GT(on_a, 0u);
  EXPECT_GT(on_b, 0u);
  EXPECT_EQ(on_a + on_b, 7u);

  const Result second = run({"a", "b"});
  EXPECT_EQ(second.nvm.blocks_found, 7u);
  EXPECT_EQ(second.nvm.rows_found, 576u);
  EXPECT_EQ(second.nvm.blocks_programmed, 0u);
  EXPECT_EQ(second.nvm.rows_programmed, 0u);
  EXPECT_EQ(second.nvm.blocks_stale, 0u);
  expect_same(first.outputs, second.outputs);
  EXPECT_TRUE(log_.empty()) << log_.front();
}

TEST_F(GroupResidency, SwappedMemberOrderFindsEveryBlock) {
  const Result first = run({"a", "b"});
  const Result swapped = run({"b", "a"});
  EXPECT_EQ(swapped.nvm.blocks_found, 7u);
  EXPECT_EQ(swapped.nvm.blocks_programmed, 0u);
  expect_same(first.outputs, swapped.outputs);
  // And back: the catalogs written in the swapped order still describe
  // their own devices.
  const Result again = run({"a", "b"});
  EXPECT_EQ(again.nvm.blocks_found, 7u);
  EXPECT_EQ(again.nvm.blocks_programmed, 0u);
}

TEST_F(GroupResidency, AMemberUsedAloneFindsItsOwnBlocks) {
  const Result group = run({"a", "b"});
  const size_t on_a = catalogued("a");
  const Result alone = run({"a"});
  EXPECT_EQ(alone.nvm.blocks_found, on_a);
  EXPECT_EQ(alone.nvm.blocks_programmed, 7u - on_a);
  expect_same(group.outputs, alone.outputs);
}

TEST_F(GroupResidency, ErasedMemberCatalogReprogramsOnlyThatMembersBlocks) {
  const Result first = run({"a", "b"});
  const size_t on_b = catalogued("b");
  ASSERT_GT(on_b, 0u);
  ASSERT_TRUE(fs::remove(cim::catalog_path_for(image("b").string())));
  const Result second = run({"a", "b"});
  EXPECT_EQ(second.nvm.blocks_programmed, on_b);
  EXPECT_EQ(second.nvm.blocks_found, 7u - on_b);
  expect_same(first.outputs, second.outputs);
  const Result third = run({"a", "b"});
  EXPECT_EQ(third.nvm.blocks_programmed, 0u);
  EXPECT_EQ(third.nvm.blocks_found, 7u);
}

TEST_F(GroupResidency, FreshImageOfAMemberIsProgrammedAgain) {
  const Result first = run({"a", "b"});
  const size_t on_b = catalogued("b");
  ASSERT_GT(on_b, 0u);
  // A new device behind b's image; its catalog still lists the old blocks.
  for (const auto& e : fs::directory_iterator(dir_)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("b.img", 0) == 0 && f != "b.img.resident.json") fs::remove(e.path());
  }
  const Result second = run({"a", "b"});
  EXPECT_EQ(second.nvm.blocks_programmed, on_b);
  EXPECT_EQ(second.nvm.blocks_found, 7u - on_b);
  expect_same(first.outputs, second.outputs);
  const Result third = run({"a", "b"});
  EXPECT_EQ(third.nvm.blocks_programmed, 0u);
  expect_same(first.outputs, third.outputs);
}

TEST_F(GroupResidency, MemberWithoutImageKeepsItsPartPerProcess) {
  SessionOptions o;
  const std::string plain = "sim://?tiles=2&instance=group_residency_plain";
  const auto once = [&] {
    o.device = uri("a");
    o.more_devices = {plain};
    Session s(*graph_, o);
    s.set_ranges(*ranges_);
    Result r{s.run({{"x", *x_}}), {}};
    r.nvm = *s.residency();
    return r;
  };
  const Result first = once();
  const size_t on_a = catalogued("a");
  const Result second = once();
  EXPECT_EQ(second.nvm.blocks_found, on_a);
  EXPECT_EQ(second.nvm.blocks_programmed, 7u - on_a);
  expect_same(first.outputs, second.outputs);
}

TEST_F(GroupResidency, EachMembersCatalogNamesItsOwnOwner) {
  SessionOptions o;
  o.device = uri("a") + "&owner=alice";
  o.more_devices = {uri("b") + "&owner=bob"};
  {
    Session s(*graph_, o);
    s.set_ranges(*ranges_);
    s.run({{"x", *x_}});
  }
  for (const auto& [name, who] : {std::pair{"a", "/alice"}, std::pair{"b", "/bob"}}) {
    std::ifstream in(cim::catalog_path_for(image(name).string()));
    const auto j = nlohmann::json::parse(in);
    ASSERT_FALSE(j["blocks"].empty()) << name;
    for (const auto& b : j["blocks"])
      EXPECT_THAT(b["owner"].get<std::string>(),
                  ::testing::AllOf(::testing::EndsWith(who), ::testing::Not(HasSubstr("+"))));
  }
  Session again(*graph_, o);
  again.set_ranges(*ranges_);
  again.run({{"x", *x_}});
  EXPECT_EQ(again.residency()->blocks_found, 7u);
  EXPECT_EQ(again.residency()->blocks_programmed, 0u);
}

TEST_F(GroupResidency, AnImageHeldByAnotherResidencyOfTheProcessIsRefused) {
  SessionOptions alone, group;
  alone.device = uri("a");
  group.device = uri("b");
  group.more_devices = {uri("a")};
  Session s(*graph_, alone);
  try {
    Session g(*graph_, group);
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("its residency catalog is in use in this process by device"));
    EXPECT_THAT(e.what(), HasSubstr(image("a").string()));
  }
}

}  // namespace
}  // namespace hycim::runtime

namespace hycim::cim {
namespace {
namespace fs = std::filesystem;

class GroupCatalog : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hycim_group_catalog_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Members a (2 tiles) then b (3 tiles), or b then a.
  std::vector<CatalogMember> members(bool a_first) const {
    const Geometry two{2, 8, 32, 32, 0}, three{3, 8, 32, 32, 0};
    const fs::path a = dir_ / "a.img.resident.json", b = dir_ / "b.img.resident.json";
    if (a_first) return {{a, two, 0}, {b, three, 2}};
    return {{b, three, 0}, {a, two, 3}};
  }
  static ResidentBlock block(char c, uint32_t tile, uint64_t used) {
    return {std::string(64, c), tile, 0, 4, std::string("m.onnx:") + c, used, "uid:1/default"};
  }
  fs::path dir_;
  const Geometry group_{5, 8, 32, 32, 0};
};

TEST_F(GroupCatalog, MembersKeepTheirOwnTilesAndGenerations) {
  for (int i = 0; i < 4; ++i)  // a has seen four processes, b none
    ResidentCatalog::open(dir_ / "a.img.resident.json", members(true)[0].geometry,
                          std::chrono::milliseconds(100))
        .save();
  {
    auto a = ResidentCatalog::open(dir_ / "a.img.resident.json", members(true)[0].geometry,
                                   std::chrono::milliseconds(100));
    a.blocks().push_back(block('a', 1, a.generation()));
    a.save();
  }
  {
    auto g = ResidentCatalog::open_group(members(false), group_, std::chrono::milliseconds(100));
    EXPECT_EQ(g.generation(), 6u);  // a's next
    ASSERT_EQ(g.blocks().size(), 1u);
    EXPECT_EQ(g.blocks()[0].tile, 4u);  // a's tile 1 after b's 3 tiles
    EXPECT_EQ(g.path_of(4), dir_ / "a.img.resident.json");
    EXPECT_EQ(g.path_of(0), dir_ / "b.img.resident.json");
    g.blocks().push_back(block('b', 2, g.generation()));
    g.save();
  }
  const auto read = [&](const char* f) {
    std::ifstream in(dir_ / f);
    return nlohmann::json::parse(in);
  };
  const auto a = read("a.img.resident.json"), b = read("b.img.resident.json");
  EXPECT_EQ(a["generation"], 5);  // untouched: not written again
  EXPECT_EQ(a["blocks"][0]["tile"], 1);
  EXPECT_EQ(b["generation"], 1);  // b's first process
  EXPECT_EQ(b["geometry"]["tiles"], 3);
  ASSERT_EQ(b["blocks"].size(), 1u);
  EXPECT_EQ(b["blocks"][0]["tile"], 2);
  EXPECT_EQ(b["blocks"][0]["last_used"], 1);
  // In the other order the same blocks come back at their new tiles.
  auto g = ResidentCatalog::open_group(members(true), group_, std::chrono::milliseconds(100));
  ASSERT_EQ(g.blocks().size(), 2u);
  EXPECT_EQ(g.blocks()[0].tile, 1u);
  EXPECT_EQ(g.blocks()[1].tile, 4u);  // b's tile 2 after a's 2 tiles
  // Shifted onto the group's generation: b's block of the last process is
  // as recent as a's of that process would be.
  EXPECT_EQ(g.blocks()[1].last_used, g.generation() - 1);
}

TEST_F(GroupCatalog, LocksAreTakenInPathOrderWhateverTheMemberOrder) {
  auto held = ResidentCatalog::open_group(members(true), group_, std::chrono::milliseconds(100));
  try {
    ResidentCatalog::open_group(members(false), group_, std::chrono::milliseconds(100));
    FAIL() << "no error";
  } catch (const EngineError& e) {
    // b is listed first, yet a's lock is the one waited on: a process that
    // holds a never waits on one that holds b.
    EXPECT_THAT(e.what(), ::testing::HasSubstr("a.img.resident.json.lock"));
  }
}

TEST_F(GroupCatalog, OneCatalogForTwoMembersIsRefused) {
  auto m = members(true);
  m[1].path = m[0].path;
  try {
    ResidentCatalog::open_group(m, group_, std::chrono::milliseconds(100));
    FAIL() << "no error";
  } catch (const EngineError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("belongs to two devices of the group"));
  }
}

}  // namespace
}  // namespace hycim::cim
