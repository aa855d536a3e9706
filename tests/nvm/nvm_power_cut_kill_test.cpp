// Power cuts across a process boundary: a child (nvm_child powercut) rewrites
// random rows until power is cut after a random byte count (seeded), the torn
// sector's tail old or garbage, and must end by exiting kPowerCutExit at the
// cut; a child that ends any other way (another status, a signal) fails the
// test. After each cut the parent reopens the image: every row holds the
// pattern of its wear, wear never decreases, every write the child completed
// is there, the write in flight left its row old or new (new whenever all the
// bytes its checksum covers reached the file, old whenever a garbage tail
// fell among them), and verify() passes.
//
// HYCIM_NVM_POWER_CUTS sets the number of cuts (default 50) and
// HYCIM_NVM_POWER_CUT_SEED the seed: bench/nvm/power_loss.sh runs thousands.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/child_process.hpp"
#include "tests/nvm/pattern.hpp"
#include "tests/nvm/test_files.hpp"

namespace hycim::nvm {
namespace {

// As nvm_kill_test.cpp: few rows, rewritten often; a 1536-byte slot spans
// three sectors, the last mostly padding.
const Geometry kGeometry{2, 16, 1000};
const uint64_t kSlot = format::slot_bytes_for(kGeometry.row_bytes);
const uint64_t kChecked = sizeof(format::SlotHeader) + kGeometry.row_bytes;
// The cut falls anywhere in a child's first this-many writes.
constexpr uint64_t kMaxWrites = 16;
// After this many failed rounds the rest would say nothing new.
constexpr int kMaxFailures = 10;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoull(v) : fallback;
}

std::string how_it_ended(const test::ChildResult& r) {
  if (r.wait_status < 0) return "could not be waited for";
  if (WIFEXITED(r.wait_status)) return "exited with status " + std::to_string(r.exit_code);
  if (WIFSIGNALED(r.wait_status))
    return "died of signal " + std::to_string(WTERMSIG(r.wait_status)) + " (" +
           strsignal(WTERMSIG(r.wait_status)) + ")";
  return "ended with wait status " + std::to_string(r.wait_status);
}

struct Tally {
  uint64_t rounds = 0;
  uint64_t exited_at_cut = 0;
  uint64_t ended_otherwise = 0;  // another status, or a signal
  uint64_t at_fsync = 0;         // every byte written, power lost in the fdatasync
  uint64_t completed_writes = 0;
  uint64_t outcome[2][2] = {};  // [garbage tail][row in flight new]
  // Per logical row (tile-major): cuts that left it old, and new, in flight.
  std::vector<std::array<uint64_t, 2>> per_row =
      std::vector<std::array<uint64_t, 2>>(kGeometry.rows());
  int failures = 0;
};

// One round: where its cut falls, and what the child said was in flight.
struct Round {
  uint64_t completed = 0;  // writes that returned before the cut
  uint64_t offset = 0;     // bytes of the write in flight that reached the file
  bool garbage = false;
  uint32_t tile = 0, row = 0;
  uint64_t wear_before = 0;  // the in-flight row's wear before that write
};

// Each child writes one slot (kSlot bytes) and then syncs, so a cut after
// `cut` bytes falls in write cut / kSlot, except that a cut at a whole
// number of slots (but 0) is the previous write's fdatasync.
Round place_cut(uint64_t cut, bool garbage) {
  Round r;
  r.garbage = garbage;
  if (cut > 0 && cut % kSlot == 0) {
    r.completed = cut / kSlot - 1;
    r.offset = kSlot;
  } else {
    r.completed = cut / kSlot;
    r.offset = cut % kSlot;
  }
  return r;
}

// Empty when the reopened image shows what the round must leave, else what
// is wrong. `last` is every row's wear after the previous round.
std::string check_image(const std::filesystem::path& path, const Round& rd,
                        std::vector<uint64_t>& last, Tally& tally) {
  NvmImage image = NvmImage::open(path);
  std::vector<uint8_t> row(kGeometry.row_bytes);
  uint64_t grown = 0;
  bool in_flight_new = false;
  for (uint32_t t = 0; t < kGeometry.tiles; ++t) {
    for (uint32_t r = 0; r < kGeometry.rows_per_tile; ++r) {
      const std::string where = "tile " + std::to_string(t) + " row " + std::to_string(r);
      const uint64_t w = image.wear(t, r);
      uint64_t& prev = last[t * kGeometry.rows_per_tile + r];
      if (w < prev)
        return where + ": wear went back from " + std::to_string(prev) + " to " + std::to_string(w);
      grown += w - prev;
      prev = w;
      image.read_row(t, r, row);
      if (row != test::row_pattern(t, r, w, kGeometry.row_bytes))
        return where + ": contents are not those of its write " + std::to_string(w);
      if (t != rd.tile || r != rd.row) continue;
      if (w != rd.wear_before && w != rd.wear_before + 1)
        return where + " (in flight): wear " + std::to_string(w) + ", neither old " +
               std::to_string(rd.wear_before) + " nor new";
      in_flight_new = w == rd.wear_before + 1;
    }
  }
  if (rd.offset >= kChecked && !in_flight_new)
    return "the write in flight reached the file whole but the row kept its old contents";
  if (rd.garbage && rd.offset < kChecked && in_flight_new)
    return "a write torn by garbage was taken as the new contents";
  if (grown != rd.completed + (in_flight_new ? 1 : 0))
    return std::to_string(grown) + " writes are on disk, the child completed " +
           std::to_string(rd.completed) + (in_flight_new ? " and one in flight" : "");
  const VerifyReport report = image.verify();
  if (!report.ok()) return "verify: " + report.summary();
  tally.outcome[rd.garbage][in_flight_new] += 1;
  tally.per_row[rd.tile * kGeometry.rows_per_tile + rd.row][in_flight_new] += 1;
  tally.completed_writes += rd.completed;
  return {};
}

TEST(NvmPowerCutKill, EveryRowIsOldOrNewAfterRandomPowerCutsInAChild) {
  const uint64_t cuts = env_or("HYCIM_NVM_POWER_CUTS", 50);
  const uint64_t seed = env_or("HYCIM_NVM_POWER_CUT_SEED", 20261207);
  test::TempDir dir;
  const auto path = dir.file("dev.nvm");
  NvmImage::create(path, kGeometry);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> last(kGeometry.rows(), 0);
  Tally tally;

  for (uint64_t it = 0; it < cuts && tally.failures < kMaxFailures; ++it) {
    uint64_t cut = rng() % (kMaxWrites * kSlot + 1);
    // A uniform cut almost never lands on a write's fdatasync; one round in
    // eight puts it there.
    if (rng() % 8 == 0) cut = (1 + rng() % kMaxWrites) * kSlot;
    const bool garbage = rng() % 2 == 1;
    Round rd = place_cut(cut, garbage);
    ++tally.rounds;
    const test::ChildResult child =
        test::run_child({"powercut", path.string(), std::to_string(rng()), std::to_string(cut),
                         garbage ? "garbage" : "old"});
    const std::string round = "round " + std::to_string(it) + " (cut after " + std::to_string(cut) +
                              " bytes, tail " + (garbage ? "garbage" : "old") + "): ";
    std::string problem;
    if (child.wait_status < 0 || !WIFEXITED(child.wait_status) ||
        child.exit_code != test::kPowerCutExit) {
      ++tally.ended_otherwise;
      problem = "the child " + how_it_ended(child) + " instead of exiting " +
                std::to_string(test::kPowerCutExit) + " at the cut; stderr: " + child.err;
    } else if (unsigned long long w = 0;
               std::sscanf(child.err.c_str(), "cut tile %u row %u wear %llu", &rd.tile, &rd.row,
                           &w) != 3) {
      problem = "the child did not say which write was in flight: " + child.err;
    } else {
      ++tally.exited_at_cut;
      rd.wear_before = w;
      if (rd.offset == kSlot) ++tally.at_fsync;
      try {
        problem = check_image(path, rd, last, tally);
      } catch (const std::exception& e) {
        problem = std::string("the image does not open: ") + e.what();
      }
    }
    if (problem.empty()) continue;
    ADD_FAILURE() << round << problem;
    ++tally.failures;
    // Start again from a fresh image, so later rounds are judged on their own.
    std::filesystem::remove(path);
    NvmImage::create(path, kGeometry);
    std::fill(last.begin(), last.end(), 0);
  }

  const auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "power cuts: %llu (seed %llu): %llu children exited %d at their cut, %llu ended "
      "otherwise\n"
      "row in flight: old %llu, new %llu (tail old: %llu old / %llu new; tail garbage: %llu old "
      "/ %llu new); cut at the fdatasync: %llu; writes completed before the cuts: %llu\n",
      n(tally.rounds), n(seed), n(tally.exited_at_cut), test::kPowerCutExit,
      n(tally.ended_otherwise), n(tally.outcome[0][0] + tally.outcome[1][0]),
      n(tally.outcome[0][1] + tally.outcome[1][1]), n(tally.outcome[0][0]), n(tally.outcome[0][1]),
      n(tally.outcome[1][0]), n(tally.outcome[1][1]), n(tally.at_fsync), n(tally.completed_writes));
  std::string rows = "per row in flight, tile.row old/new:";
  for (uint64_t i = 0; i < tally.per_row.size(); ++i)
    rows += " " + std::to_string(i / kGeometry.rows_per_tile) + "." +
            std::to_string(i % kGeometry.rows_per_tile) + " " +
            std::to_string(tally.per_row[i][0]) + "/" + std::to_string(tally.per_row[i][1]);
  std::printf("%s\nfailures: %d\n", rows.c_str(), tally.failures);
  EXPECT_EQ(tally.failures, 0);
}

}  // namespace
}  // namespace hycim::nvm
