// libFuzzer target: the NVM residency catalog (`<image>.resident.json`,
// runtime/cim/resident_catalog.hpp) as a later process reads it, and the
// residency built on it (nvm_residency.hpp): its free-row map, verify(), and
// placing blocks (found resident by hash, or programmed, evicting catalogued
// ones) on a device held in memory. A refusal must be an EngineError with a
// message. A catalog that opens must save and reopen as the same blocks, and
// what the residency saves after placing must open again.
//
// Input: the catalog file, read for a device of 4 tiles x 64 NVM rows x 8
// lanes (what the seeds' "geometry" says).
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"
#include "runtime/cim/resident_catalog.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

using namespace hycim::cim;
namespace fs = std::filesystem;

constexpr Geometry kGeometry{4, 8, 64, 64, 0};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "residency_catalog_fuzz: %s\n", what);
  std::abort();
}

const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

// NVM rows in memory, all zero at first, so a catalogued block of zero rows
// reads back as resident and any other as stale.
class MemoryEngine : public MvmEngine {
 public:
  MemoryEngine()
      : nvm_(kGeometry.tiles, std::vector<uint8_t>(kGeometry.nvm_rows * kGeometry.lanes)) {}
  Geometry geometry() const override { return kGeometry; }
  void program(uint32_t tile, uint32_t first_row, std::span<const uint8_t> rows) override {
    std::copy(rows.begin(), rows.end(), at(tile, first_row, rows.size()));
  }
  void read(uint32_t tile, uint32_t first_row, std::span<uint8_t> rows) override {
    const auto from = at(tile, first_row, rows.size());
    std::copy(from, from + static_cast<long>(rows.size()), rows.begin());
  }
  void read_wear(uint32_t tile, uint32_t first_row, std::span<uint32_t> wear) override {
    if (tile >= kGeometry.tiles || first_row + wear.size() > kGeometry.nvm_rows)
      fail("wear read outside the device");
    std::fill(wear.begin(), wear.end(), 0);
  }
  void mvm(std::span<const MvmJob>) override {}
  uint64_t cycles(uint32_t) const override { return 0; }
  double energy_pj() const override { return 0; }
  double device_time_ns() const override { return 0; }
  std::string nvm_store() const override { return ""; }
  std::string device_id() const override { return "memory"; }
  std::string describe() const override { return "NVM rows in memory"; }

 private:
  // The residency must never address rows outside the device.
  std::vector<uint8_t>::iterator at(uint32_t tile, uint32_t row, size_t bytes) {
    if (tile >= kGeometry.tiles || bytes % kGeometry.lanes != 0 ||
        row + bytes / kGeometry.lanes > kGeometry.nvm_rows)
      fail("NVM access outside the device");
    return nvm_[tile].begin() + static_cast<long>(size_t{row} * kGeometry.lanes);
  }
  std::vector<std::vector<uint8_t>> nvm_;
};

bool same(const std::vector<ResidentBlock>& a, const std::vector<ResidentBlock>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].hash != b[i].hash || a[i].tile != b[i].tile || a[i].row != b[i].row ||
        a[i].rows != b[i].rows || a[i].label != b[i].label || a[i].last_used != b[i].last_used)
      return false;
  return true;
}

std::optional<ResidentCatalog> open_or_refuse(const fs::path& path, const char* when) {
  try {
    return ResidentCatalog::open(path, kGeometry, std::chrono::milliseconds(0));
  } catch (const EngineError& e) {
    if (e.what()[0] == '\0') fail("refused without a message");
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", when, e.what());
    return std::nullopt;
  }
}

template <class F>
void expect(const char* what, F&& f) {
  try {
    f();
    if (kVerbose) std::fprintf(stderr, "%s: done\n", what);
  } catch (const EngineError& e) {
    if (e.what()[0] == '\0') fail("refused without a message");
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", what, e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = hycim::fuzz::scratch_directory("residency_catalog_fuzz");
  const fs::path path = dir / "nvm.img.resident.json";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::vector<ResidentBlock> blocks;
  uint64_t generation = 0;
  {
    std::optional<ResidentCatalog> c = open_or_refuse(path, "open");
    if (!c) return 0;
    blocks = c->blocks();
    generation = c->generation();
    if (kVerbose)
      std::fprintf(stderr, "opened: %zu blocks, generation %llu\n", blocks.size(),
                   static_cast<unsigned long long>(generation));
    c->save();
  }  // releases the lock
  {
    std::optional<ResidentCatalog> c = open_or_refuse(path, "reopen");
    if (!c) fail("a catalog saved does not open again");
    if (!same(c->blocks(), blocks)) fail("a catalog saved reopens with other blocks");
    if (c->generation() != generation + 1) fail("a catalog saved reopens with another generation");
    MemoryEngine engine;
    NvmResidency residency(std::move(*c), [](const std::string& s) {
      if (kVerbose) std::fprintf(stderr, "log: %s\n", s.c_str());
    });
    expect("free rows", [&] {
      if (residency.free_rows() > uint64_t{kGeometry.tiles} * kGeometry.nvm_rows)
        fail("more free rows than the device has");
    });
    expect("verify", [&] { (void)residency.verify(engine); });
    const std::vector<uint8_t> zeros(2 * kGeometry.lanes, 0);
    std::vector<uint8_t> pattern(3 * kGeometry.lanes);
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<uint8_t>(i * 7 + 1);
    int owner = 0;
    expect("place zeros", [&] { (void)residency.place(engine, zeros, "zeros", true, &owner); });
    expect("place pattern",
           [&] { (void)residency.place(engine, pattern, "pattern", true, &owner); });
    expect("place scratch",
           [&] { (void)residency.place(engine, pattern, "scratch", false, &owner); });
    residency.release_scratch(&owner);
    expect("save", [&] { residency.save(); });
  }
  if (!open_or_refuse(path, "after placing")) fail("a catalog the residency saved does not open");
  return 0;
}
