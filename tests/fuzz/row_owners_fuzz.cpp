// libFuzzer target: the engine's row-owner table (`<image>.owners.json`,
// driver/sim/engine/row_owners.hpp) as a restarted daemon reads it, then the
// rules it enforces. A refusal must be a DriverError whose message names the
// file. A table that loads must hold exactly the runs the file lists, every
// owner must see each row as the header's RowAccess says, and admit() and
// set_rows() must follow the rules of row_owners.hpp, checked against a model
// of the table kept here: a refused command names the first row it may not
// use and changes nothing, an admitted one claims what it uses. What
// save_if_changed() writes must load again as the same table.
//
// Input: the table file, read for 2 tiles of the small tile config (32 NVM
// rows, what the seeds' "tiles" and "nvm_rows" say), optionally followed by
// a NUL byte and operations of 6 bytes each (see run_ops below).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "driver/driver.hpp"
#include "driver/sim/engine/row_owners.hpp"
#include "hycim/spec/device_spec.hpp"
#include "hycim/spec/tile_spec.hpp"
#include "sim/device/command_check.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

namespace fs = std::filesystem;
namespace sd = hycim::spec::device;
using hycim::driver::DriverError;
using hycim::driver::RowAccess;
using hycim::driver::RowOwners;
using hycim::driver::RowsOp;
using hycim::driver::Status;
using sd::DevOpcode;

constexpr const hycim::spec::TileConfig& kTile = hycim::spec::kSmallTile;
constexpr uint32_t kTiles = 2;
constexpr uint32_t kRows = kTile.nvm_rows;
constexpr size_t kMaxOps = 64;
constexpr size_t kMaxViewedLoaded = 6;

const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "row_owners_fuzz: %s\n", what.c_str());
  std::abort();
}

// One NVM row as the file format and row_owners.hpp describe it.
enum class State : uint8_t { kFree, kOwned, kShared, kReleased };
struct Row {
  uint16_t owner = 0;
  State state = State::kFree;
};
using Model = std::vector<Row>;  // kTiles x kRows

Row& at(Model& m, uint32_t tile, uint32_t row) {
  return m[size_t{tile} * kRows + row];
}
const Row& at(const Model& m, uint32_t tile, uint32_t row) {
  return m[size_t{tile} * kRows + row];
}

RowAccess expected_access(const Row& x, uint16_t who) {
  switch (x.state) {
    case State::kFree:
      return RowAccess::kFree;
    case State::kOwned:
      return x.owner == who ? RowAccess::kMine : RowAccess::kTheirs;
    case State::kShared:
      return x.owner == who ? RowAccess::kMineShared : RowAccess::kShared;
    case State::kReleased:
      return RowAccess::kReleased;
  }
  fail("a model row in no state");
}

std::string where(uint32_t tile, uint32_t row, uint16_t who) {
  return "tile " + std::to_string(tile) + " row " + std::to_string(row) + " owner " +
         std::to_string(who);
}

// Every row as each owner of `view` sees it must be what the model says; the
// states one row shows to different owners must agree (one owner at most sees
// it as its own, and then every other one as another's).
void compare(const RowOwners& t, const Model& m, const std::vector<uint16_t>& view,
             const std::string& when) {
  for (uint32_t tile = 0; tile < kTiles; ++tile)
    for (uint32_t r = 0; r < kRows; ++r) {
      int mine = 0, others = 0, neutral = 0;
      for (uint16_t who : view) {
        const RowAccess a = t.access(tile, r, who);
        if (a != expected_access(at(m, tile, r), who))
          fail(when + ": " + where(tile, r, who) + " is " + hycim::driver::to_string(a) +
               ", expected " + hycim::driver::to_string(expected_access(at(m, tile, r), who)));
        if (a == RowAccess::kMine || a == RowAccess::kMineShared) ++mine;
        if (a == RowAccess::kTheirs || a == RowAccess::kShared) ++others;
        if (a == RowAccess::kFree || a == RowAccess::kReleased) ++neutral;
        if (a != t.access(tile, r, view.front()) &&
            (a == RowAccess::kFree || a == RowAccess::kReleased))
          fail(when + ": " + where(tile, r, who) + " is free or released to one owner only");
      }
      const std::string row = "tile " + std::to_string(tile) + " row " + std::to_string(r);
      const int viewers = static_cast<int>(view.size());
      if (mine > 1) fail(when + ": " + row + " is its own to two owners");
      if (mine == 1 && others != viewers - 1)
        fail(when + ": " + row + " is one owner's, but not another's to the rest");
      if (neutral != 0 && neutral != viewers)
        fail(when + ": owners disagree whether " + row + " has an owner");
    }
}

// rows_owned() of each owner must count its kMine and kMineShared rows.
void check_owned(const RowOwners& t, const Model& m, uint32_t ids, const std::string& when) {
  uint64_t total = 0, held = 0;
  for (uint32_t id = 1; id < ids; ++id) {
    uint32_t n = 0;
    for (uint32_t tile = 0; tile < kTiles; ++tile)
      for (uint32_t r = 0; r < kRows; ++r) {
        const RowAccess a = t.access(tile, r, static_cast<uint16_t>(id));
        n += a == RowAccess::kMine || a == RowAccess::kMineShared;
      }
    if (t.rows_owned(static_cast<uint16_t>(id)) != n)
      fail(when + ": rows_owned(" + std::to_string(id) + ") is " +
           std::to_string(t.rows_owned(static_cast<uint16_t>(id))) + ", counted " +
           std::to_string(n));
    total += n;
  }
  for (const Row& x : m) held += x.state == State::kOwned || x.state == State::kShared;
  if (total != held)
    fail(when + ": owners hold " + std::to_string(total) + " rows, the table " +
         std::to_string(held));
}

enum class Use { kRead, kProgram, kScrub };

bool allowed(const Row& x, Use use, uint16_t who) {
  switch (x.state) {
    case State::kFree:
      return true;
    case State::kOwned:
      return x.owner == who;
    case State::kShared:
      return use == Use::kRead || (use == Use::kScrub && x.owner == who);
    case State::kReleased:
      return use != Use::kRead;
  }
  return false;
}

// What admit(c, who) must answer, applied to the model.
std::optional<uint64_t> model_admit(Model& m, const sd::CommandRecord& c, uint16_t who) {
  if (hycim::device::check_record(c, kTile, kTiles) != sd::DevStatus::kOk) return std::nullopt;
  uint32_t first = c.row, count = 0;
  Use use = Use::kRead;
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kReadSram:
    case DevOpcode::kMvm:
      count = c.row >= kRows ? 0 : std::min(c.count, kRows - c.row);
      break;
    case DevOpcode::kEmul:
      count = 1;
      break;
    case DevOpcode::kProgramNvm:
      count = c.count;
      use = Use::kProgram;
      break;
    case DevOpcode::kScrub:
      count = c.count;
      use = Use::kScrub;
      break;
    default:
      return std::nullopt;
  }
  for (uint32_t r = first; r < first + count; ++r)
    if (!allowed(at(m, c.tile, r), use, who)) return uint64_t{c.tile} << 32 | r;
  if (use == Use::kScrub) return std::nullopt;
  for (uint32_t r = first; r < first + count; ++r) {
    Row& x = at(m, c.tile, r);
    if (x.state == State::kFree || (use == Use::kProgram && x.state == State::kReleased))
      x = {who, State::kOwned};
  }
  return std::nullopt;
}

// What set_rows(...) must answer, applied to the model.
Status model_set_rows(Model& m, uint32_t tile, uint32_t row, uint32_t count, RowsOp op,
                      uint16_t who) {
  if (tile >= kTiles || count == 0 || uint64_t{row} + count > kRows) return Status::kInvalid;
  for (uint32_t r = row; r < row + count; ++r) {
    const Row& x = at(m, tile, r);
    const bool held = x.owner == who && (x.state == State::kOwned || x.state == State::kShared);
    if (!held || (op == RowsOp::kRelease && x.state == State::kShared)) return Status::kPermission;
  }
  for (uint32_t r = row; r < row + count; ++r) {
    Row& x = at(m, tile, r);
    if (op == RowsOp::kRelease)
      x = {0, State::kReleased};
    else
      x.state = op == RowsOp::kShare ? State::kShared : State::kOwned;
  }
  return Status::kOk;
}

std::vector<RowAccess> snapshot(const RowOwners& t, const std::vector<uint16_t>& view) {
  std::vector<RowAccess> out;
  for (uint32_t tile = 0; tile < kTiles; ++tile)
    for (uint32_t r = 0; r < kRows; ++r)
      for (uint16_t who : view) out.push_back(t.access(tile, r, who));
  return out;
}

// NVM rows [first, first + count) that record `c` uses, as row_owners.hpp
// describes the commands (for the refused-address check).
std::pair<uint32_t, uint32_t> nvm_part(const sd::CommandRecord& c) {
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kReadSram:
    case DevOpcode::kMvm:
      return {c.row, c.row >= kRows ? 0 : std::min(c.count, kRows - c.row)};
    case DevOpcode::kEmul:
      return {c.row, 1};
    case DevOpcode::kProgramNvm:
    case DevOpcode::kScrub:
      return {c.row, c.count};
    default:
      return {c.row, 0};
  }
}

// Operations, 6 bytes each: s (bit 0: set_rows, else admit; bits 1-2: the
// owner; bit 3: raw opcode byte; bit 4: a row (admit) or count (set_rows)
// near 2^32; bit 5: widths from b5; bit 6: INPUT_IN_SRAM; bit 7: a reserved
// byte set), b1 opcode or RowsOp, b2 tile (0..2), b3 row, b4 count, b5 row2.
void run_ops(RowOwners& t, Model& m, const std::vector<uint16_t>& view,
             const std::vector<uint16_t>& actors, const uint8_t* p, size_t n) {
  for (size_t i = 0; i + 6 <= n && i / 6 < kMaxOps; i += 6) {
    const uint8_t s = p[i], b1 = p[i + 1], b2 = p[i + 2], b3 = p[i + 3], b4 = p[i + 4],
                  b5 = p[i + 5];
    const uint16_t who = actors[((s >> 1) & 3) % actors.size()];
    const std::vector<RowAccess> before = snapshot(t, view);
    const std::string when = "operation " + std::to_string(i / 6);
    if (s & 1) {
      const uint32_t tile = b2 % 3, row = b3 % 40;
      const uint32_t count = (s & 16) ? 0xFFFFFFFFu - b4 : b4 % 36u;
      const auto op = static_cast<RowsOp>(b1 % 3);
      const Status want = model_set_rows(m, tile, row, count, op, who);
      const Status got = t.set_rows(tile, row, count, op, who);
      if (kVerbose)
        std::fprintf(stderr, "%s: set_rows(%u, %u, %u, %u, %u) = %d\n", when.c_str(), tile, row,
                     count, static_cast<unsigned>(op), who, static_cast<int>(got));
      if (got != want)
        fail(when + ": set_rows returned " + std::to_string(static_cast<int>(got)) + ", expected " +
             std::to_string(static_cast<int>(want)));
      if (got != Status::kOk && snapshot(t, view) != before)
        fail(when + ": a refused set_rows changed the table");
      if (got == Status::kOk)
        for (uint32_t r = row; r < row + count; ++r) {
          const RowAccess a = t.access(tile, r, who);
          const RowAccess want_a = op == RowsOp::kRelease ? RowAccess::kReleased
                                   : op == RowsOp::kShare ? RowAccess::kMineShared
                                                          : RowAccess::kMine;
          if (a != want_a)
            fail(when + ": set_rows left " + where(tile, r, who) + " " +
                 hycim::driver::to_string(a));
        }
    } else {
      sd::CommandRecord c{};
      c.opcode = (s & 8) ? b1 : static_cast<uint8_t>(b1 % 9);
      c.tile = b2 % 3;
      c.row = (s & 16) ? 0xFFFFFFFFu - b3 : b3 % 52u;
      c.count = b4 % 40u;
      c.row2 = 28u + b5 % 24u;
      c.xbits = c.wbits = (s & 32) ? static_cast<uint8_t>(b5 % 10) : kTile.xbits;
      c.flags = (s & 64) ? static_cast<uint8_t>(sd::cmd_flags::kInputInSram) : 0;
      c.reserved0[0] = (s & 128) ? 1 : 0;
      c.seq = static_cast<uint32_t>(i);
      const bool valid = hycim::device::check_record(c, kTile, kTiles) == sd::DevStatus::kOk;
      const std::optional<uint64_t> want = model_admit(m, c, who);
      const std::optional<uint64_t> got = t.admit(c, who);
      if (kVerbose)
        std::fprintf(stderr, "%s: admit(op %u tile %u row %u count %u row2 %u, %u) = %s\n",
                     when.c_str(), c.opcode, c.tile, c.row, c.count, c.row2, who,
                     got ? std::to_string(*got).c_str() : "admitted");
      if (got) {
        const auto [first, count] = nvm_part(c);
        if (!valid) fail(when + ": a record the device refuses itself was refused a row");
        if ((*got >> 32) != c.tile || (*got & 0xFFFFFFFFu) < first ||
            (*got & 0xFFFFFFFFu) >= uint64_t{first} + count)
          fail(when + ": refused row " + std::to_string(*got) + " outside the command's rows");
        if (snapshot(t, view) != before) fail(when + ": a refused command changed the table");
      }
      if (got != want)
        fail(when + ": admit returned " + (got ? std::to_string(*got) : "admitted") +
             ", expected " + (want ? std::to_string(*want) : "admitted"));
      if (!got && valid && c.opcode == static_cast<uint8_t>(DevOpcode::kProgramNvm))
        for (uint32_t r = c.row; r < c.row + c.count; ++r)
          if (t.access(c.tile, r, who) != RowAccess::kMine)
            fail(when + ": an admitted PROGRAM_NVM left " + where(c.tile, r, who) + " " +
                 hycim::driver::to_string(t.access(c.tile, r, who)));
      if (!valid && snapshot(t, view) != before)
        fail(when + ": a record the device refuses itself changed the table");
    }
    compare(t, m, view, when);
  }
}

std::optional<RowOwners> load_or_refuse(const fs::path& path, const char* when) {
  try {
    return RowOwners(kTile, kTiles, path);
  } catch (const DriverError& e) {
    const std::string what = e.what();
    if (what.empty()) fail(std::string(when) + ": refused without a message");
    if (what.find(path.string()) == std::string::npos)
      fail(std::string(when) + ": a refusal that does not name the file: " + what);
    if (e.status != Status::kInvalid)
      fail(std::string(when) + ": refused with a status other than kInvalid: " + what);
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", when, what.c_str());
    return std::nullopt;
  } catch (const std::exception& e) {
    fail(std::string(when) + ": threw something other than a DriverError: " + e.what());
  } catch (...) {
    fail(std::string(when) + ": threw something other than a std::exception");
  }
}

template <class F>
auto no_throw(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    fail(std::string(what) + " threw: " + e.what());
  } catch (...) {
    fail(std::string(what) + " threw something other than a std::exception");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = hycim::fuzz::scratch_directory("row_owners_fuzz");
  const fs::path path = dir / "nvm.img.owners.json";
  const uint8_t* nul = std::find(data, data + size, uint8_t{0});
  const std::string file(reinterpret_cast<const char*>(data), static_cast<size_t>(nul - data));
  const uint8_t* ops = nul == data + size ? nul : nul + 1;
  std::error_code ec;
  fs::remove(fs::path(path.string() + ".tmp"), ec);
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(file.data(), static_cast<std::streamsize>(file.size()));
  }
  std::optional<RowOwners> t = load_or_refuse(path, "load");
  if (!t) return 0;

  // The file was accepted: it is the JSON the format describes, and the table
  // must hold exactly its runs.
  const nlohmann::json j = nlohmann::json::parse(file, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("owners") || !j.contains("rows"))
    fail("a table loaded from a file that is not a table");
  std::vector<std::string> names;
  for (const auto& o : j["owners"]) names.push_back(o.get<std::string>());
  Model m(size_t{kTiles} * kRows);
  for (const auto& run : j["rows"]) {
    const auto tile = run[0].get<uint32_t>(), first = run[1].get<uint32_t>(),
               n = run[2].get<uint32_t>();
    const auto owner = run[3].get<uint16_t>();
    const std::string s = run[4].get<std::string>();
    const State state = s == "owned"    ? State::kOwned
                        : s == "shared" ? State::kShared
                                        : State::kReleased;
    for (uint32_t r = first; r < first + n; ++r) at(m, tile, r) = {owner, state};
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (t->name(static_cast<uint16_t>(i + 1)) != names[i])
      fail("owner " + std::to_string(i + 1) + " is not the file's '" + names[i] + "'");
    const std::optional<uint16_t> id = t->intern(names[i]);
    if (!id || *id != i + 1) fail("interning a loaded owner does not give its id");
  }
  const std::optional<uint16_t> a = t->intern("uid:1000/default");
  const std::optional<uint16_t> b = t->intern("uid:1001/fuzz");
  if (!a || !b || *a == *b) fail("two owners could not be interned");
  if (t->name(*a) != "uid:1000/default" || t->name(*b) != "uid:1001/fuzz")
    fail("an interned owner has another name");
  const auto ids = static_cast<uint32_t>(std::max<size_t>({names.size() + 1, *a + 1u, *b + 1u}));
  std::vector<uint16_t> view = {0, *a, *b};
  for (size_t i = 0; i < std::min(names.size(), kMaxViewedLoaded); ++i)
    if (std::find(view.begin(), view.end(), i + 1) == view.end())
      view.push_back(static_cast<uint16_t>(i + 1));
  std::vector<uint16_t> actors = {*a, *b};
  if (!names.empty() && *a != 1 && *b != 1) actors.push_back(1);
  if (kVerbose)
    std::fprintf(stderr, "loaded: %zu owners, %zu operation bytes\n", names.size(),
                 static_cast<size_t>(data + size - ops));

  no_throw("checking the loaded table", [&] {
    compare(*t, m, view, "loaded");
    check_owned(*t, m, ids, "loaded");
    return 0;
  });
  no_throw("operations", [&] {
    run_ops(*t, m, view, actors, ops, static_cast<size_t>(data + size - ops));
    check_owned(*t, m, ids, "after the operations");
    return 0;
  });
  no_throw("save_if_changed", [&] {
    t->save_if_changed();
    return 0;
  });

  std::optional<RowOwners> again = load_or_refuse(path, "reload");
  if (!again) fail("a saved table does not load again");
  no_throw("comparing the reloaded table", [&] {
    for (uint16_t who : view) {
      uint16_t id2 = 0;
      if (who != 0) {
        const std::optional<uint16_t> id = again->intern(t->name(who));
        if (!id) fail("a reloaded table cannot intern '" + t->name(who) + "'");
        id2 = *id;
      }
      for (uint32_t tile = 0; tile < kTiles; ++tile)
        for (uint32_t r = 0; r < kRows; ++r)
          if (again->access(tile, r, id2) != t->access(tile, r, who))
            fail("reloaded: " + where(tile, r, who) + " is " +
                 hycim::driver::to_string(again->access(tile, r, id2)) + ", saved as " +
                 hycim::driver::to_string(t->access(tile, r, who)));
      if (again->rows_owned(id2) != t->rows_owned(who))
        fail("reloaded: owner '" + t->name(who) + "' holds another number of rows");
    }
    return 0;
  });
  return 0;
}
