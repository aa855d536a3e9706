// The row-owner table: the rules of row_owners.hpp, and its file.
#include "driver/sim/engine/row_owners.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "driver/lib/fd.hpp"
#include "sim/device/command_check.hpp"

namespace hycim::driver {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;

constexpr const char* kFormat = "hycim-row-owners";
constexpr uint64_t kVersion = 1;
constexpr size_t kMaxOwners = 65535;  // ids are 16 bits; 0 is nobody
constexpr size_t kMaxOwnerName = 200;

// The part of rows [first, first + count) below `limit` (NVM rows), or of
// those at or above it (SRAM rows).
std::pair<uint32_t, uint32_t> below(uint32_t first, uint32_t count, uint32_t limit) {
  if (first >= limit) return {first, 0};
  return {first, std::min(count, limit - first)};
}
std::pair<uint32_t, uint32_t> from(uint32_t first, uint32_t count, uint32_t limit) {
  if (first >= limit) return {first, count};
  const uint32_t skip = std::min(count, limit - first);
  return {first + skip, count - skip};
}

[[noreturn]] void bad_table(const std::filesystem::path& p, const std::string& why) {
  throw DriverError(Status::kInvalid, "row-owner table '" + p.string() + "': " + why +
                                          " (it lists which owner holds each NVM row; with "
                                          "it gone, every row is free to the next user)");
}

uint64_t whole(const nlohmann::json& v, const std::filesystem::path& p, const std::string& what,
               uint64_t max) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > max)
    bad_table(p, what + " must be a whole number up to " + std::to_string(max));
  return v.get<uint64_t>();
}

}  // namespace

std::filesystem::path row_owners_path_for(const std::filesystem::path& nvm_image) {
  return nvm_image.string() + ".owners.json";
}

RowOwners::RowOwners(const spec::TileConfig& tile, uint32_t tiles, std::filesystem::path store)
    : tile_(tile),
      tiles_(tiles),
      nvm_rows_(tile.nvm_rows),
      store_(std::move(store)),
      rows_(size_t{tiles} * tile.nvm_rows),
      names_(1) {
  if (!store_.empty() && std::filesystem::exists(store_)) load();
}

std::optional<uint16_t> RowOwners::intern(const std::string& owner) {
  auto it = std::find(names_.begin() + 1, names_.end(), owner);
  if (it != names_.end()) return static_cast<uint16_t>(it - names_.begin());
  if (names_.size() > kMaxOwners) return std::nullopt;
  names_.push_back(owner);
  return static_cast<uint16_t>(names_.size() - 1);
}

std::optional<uint32_t> RowOwners::refused(uint32_t tile, uint32_t row, uint32_t count, Use use,
                                           uint16_t who) const {
  for (uint32_t r = row; r < row + count; ++r) {
    const Row& x = at(tile, r);
    const bool mine = x.owner == who;
    if (mine && x.state == State::kOwned) continue;  // the common case
    bool ok = false;
    switch (x.state) {
      case State::kFree:
        ok = true;
        break;
      case State::kOwned:
        ok = mine;
        break;
      case State::kShared:
        ok = use == Use::kRead || (use == Use::kScrub && mine);
        break;
      case State::kReleased:
        ok = use != Use::kRead;
        break;
    }
    if (!ok) return r;
  }
  return std::nullopt;
}

void RowOwners::claim(uint32_t tile, uint32_t row, uint32_t count, Use use, uint16_t who) {
  if (use == Use::kScrub) return;
  for (uint32_t r = row; r < row + count; ++r) {
    Row& x = at(tile, r);
    if (x.state == State::kFree || (use == Use::kProgram && x.state == State::kReleased)) {
      x = {who, State::kOwned};
      dirty_ = true;
      ++changes_;
    }
  }
}

std::optional<uint64_t> RowOwners::admit(const sd::CommandRecord& c, uint16_t who,
                                         std::vector<std::pair<uint32_t, uint32_t>>* sram) {
  if (device::check_record(c, tile_, tiles_) != sd::DevStatus::kOk) return std::nullopt;
  struct Part {
    uint32_t row, count;
    Use use;
  };
  Part part{0, 0, Use::kRead};
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kReadSram:
    case DevOpcode::kMvm: {
      const auto [r, n] = below(c.row, c.count, nvm_rows_);
      part = {r, n, Use::kRead};
      break;
    }
    case DevOpcode::kEmul:
      part = {c.row, 1, Use::kRead};
      break;
    case DevOpcode::kProgramNvm:
      part = {c.row, c.count, Use::kProgram};
      break;
    case DevOpcode::kScrub:
      part = {c.row, c.count, Use::kScrub};
      break;
    default:  // NOP, FENCE, WRITE_SRAM, READ_WEAR: no NVM row's bits
      break;
  }
  // Rows already the caller's are the common case: one branch-free pass,
  // and nothing to claim.
  const Row* rows = part.count ? &at(c.tile, part.row) : nullptr;
  bool all_mine = true;
  for (uint32_t i = 0; i < part.count; ++i)
    all_mine &= rows[i].owner == who && rows[i].state == State::kOwned;
  if (!all_mine) {
    if (auto r = refused(c.tile, part.row, part.count, part.use, who))
      return uint64_t{c.tile} << 32 | *r;
    claim(c.tile, part.row, part.count, part.use, who);
  }
  if (sram) add_sram_rows(c, sram);
  return std::nullopt;
}

void RowOwners::add_sram_rows(const sd::CommandRecord& c,
                              std::vector<std::pair<uint32_t, uint32_t>>* out) const {
  auto add = [&](std::pair<uint32_t, uint32_t> rows) {
    for (uint32_t r = rows.first; r < rows.first + rows.second; ++r) out->emplace_back(c.tile, r);
  };
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kWriteSram:
    case DevOpcode::kReadSram:
      add(from(c.row, c.count, nvm_rows_));
      break;
    case DevOpcode::kMvm:
      add(from(c.row, c.count, nvm_rows_));
      add({c.row2, device::input_rows(c.count, tile_)});
      break;
    case DevOpcode::kEmul:
      add({c.row2, 1});
      break;
    default:
      break;
  }
}

RowAccess RowOwners::access(uint32_t tile, uint32_t row, uint16_t who) const {
  const Row& x = at(tile, row);
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
  return RowAccess::kTheirs;
}

Status RowOwners::set_rows(uint32_t tile, uint32_t row, uint32_t count, RowsOp op, uint16_t who) {
  if (tile >= tiles_ || count == 0 || uint64_t{row} + count > nvm_rows_) return Status::kInvalid;
  for (uint32_t r = row; r < row + count; ++r) {
    const Row& x = at(tile, r);
    const bool held = x.owner == who && (x.state == State::kOwned || x.state == State::kShared);
    if (!held || (op == RowsOp::kRelease && x.state == State::kShared)) return Status::kPermission;
  }
  for (uint32_t r = row; r < row + count; ++r) {
    Row& x = at(tile, r);
    switch (op) {
      case RowsOp::kRelease:
        x = {0, State::kReleased};
        break;
      case RowsOp::kShare:
        x.state = State::kShared;
        break;
      case RowsOp::kUnshare:
        x.state = State::kOwned;
        break;
    }
  }
  dirty_ = true;
  ++changes_;
  return Status::kOk;
}

uint32_t RowOwners::rows_owned(uint16_t who) const {
  return static_cast<uint32_t>(std::count_if(rows_.begin(), rows_.end(), [&](const Row& x) {
    return x.owner == who && (x.state == State::kOwned || x.state == State::kShared);
  }));
}

// {"format", "version", "tiles", "nvm_rows", "owners": [names, id 1 first],
//  "rows": [[tile, first row, rows, owner id, "owned"|"shared"|"released"]]}:
// runs of rows with the same owner and state; free rows are not listed.
std::string RowOwners::to_json() const {
  static constexpr const char* kStates[] = {"free", "owned", "shared", "released"};
  nlohmann::json runs = nlohmann::json::array();
  for (uint32_t t = 0; t < tiles_; ++t)
    for (uint32_t r = 0; r < nvm_rows_;) {
      const Row x = at(t, r);
      uint32_t n = 1;
      while (r + n < nvm_rows_ && at(t, r + n).owner == x.owner && at(t, r + n).state == x.state)
        ++n;
      if (x.state != State::kFree)
        runs.push_back({t, r, n, x.owner, kStates[static_cast<int>(x.state)]});
      r += n;
    }
  nlohmann::json j = {{"format", kFormat},
                      {"version", kVersion},
                      {"tiles", tiles_},
                      {"nvm_rows", nvm_rows_},
                      {"owners", std::vector<std::string>(names_.begin() + 1, names_.end())},
                      {"rows", runs}};
  return j.dump(1) + "\n";
}

void RowOwners::load() {
  const std::filesystem::path& p = store_;
  std::ifstream in(p);
  if (!in) bad_table(p, "cannot be read");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    bad_table(p, std::string("not JSON: ") + e.what());
  }
  if (!j.is_object()) bad_table(p, "not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "format" && key != "version" && key != "tiles" && key != "nvm_rows" &&
        key != "owners" && key != "rows")
      bad_table(p, "unknown key '" + key + "'");
  for (const char* key : {"format", "version", "tiles", "nvm_rows", "owners", "rows"})
    if (!j.contains(key)) bad_table(p, std::string("missing '") + key + "'");
  if (!j["format"].is_string() || j["format"].get<std::string>() != kFormat)
    bad_table(p, std::string("'format' is not \"") + kFormat + "\"");
  if (whole(j["version"], p, "'version'", UINT32_MAX) != kVersion)
    bad_table(p, "version " + j["version"].dump() + " is not " + std::to_string(kVersion));
  const uint64_t tiles = whole(j["tiles"], p, "'tiles'", UINT32_MAX);
  const uint64_t nvm_rows = whole(j["nvm_rows"], p, "'nvm_rows'", UINT32_MAX);
  if (tiles != tiles_ || nvm_rows != nvm_rows_)
    bad_table(p, "made for a device of " + std::to_string(tiles) + " tiles of " +
                     std::to_string(nvm_rows) + " NVM rows; this one has " +
                     std::to_string(tiles_) + " of " + std::to_string(nvm_rows_));
  if (!j["owners"].is_array() || j["owners"].size() > kMaxOwners)
    bad_table(p, "'owners' must be an array of at most " + std::to_string(kMaxOwners) + " names");
  for (const auto& o : j["owners"]) {
    if (!o.is_string() || o.get<std::string>().empty() ||
        o.get<std::string>().size() > kMaxOwnerName)
      bad_table(p, "an owner is not a name of 1-" + std::to_string(kMaxOwnerName) + " characters");
    if (std::find(names_.begin(), names_.end(), o.get<std::string>()) != names_.end())
      bad_table(p, "owner '" + o.get<std::string>() + "' is listed twice");
    names_.push_back(o.get<std::string>());
  }
  if (!j["rows"].is_array()) bad_table(p, "'rows' is not an array");
  for (const auto& run : j["rows"]) {
    if (!run.is_array() || run.size() != 5 || !run[4].is_string())
      bad_table(p, "a 'rows' entry is not [tile, first row, rows, owner, state]");
    const uint64_t t = whole(run[0], p, "a run's tile", tiles_ - 1);
    const uint64_t r = whole(run[1], p, "a run's first row", nvm_rows_ - 1);
    const uint64_t n = whole(run[2], p, "a run's row count", nvm_rows_ - r);
    const uint64_t o = whole(run[3], p, "a run's owner", names_.size() - 1);
    const std::string s = run[4].get<std::string>();
    State state;
    if (s == "owned")
      state = State::kOwned;
    else if (s == "shared")
      state = State::kShared;
    else if (s == "released")
      state = State::kReleased;
    else
      bad_table(p, "state '" + s + "' is not owned, shared or released");
    if (n == 0) bad_table(p, "a run of 0 rows");
    if ((state == State::kReleased) != (o == 0))
      bad_table(p, "tile " + std::to_string(t) + " row " + std::to_string(r) +
                       ": released rows have owner 0, owned and shared rows another");
    for (uint64_t k = r; k < r + n; ++k) {
      Row& x = at(static_cast<uint32_t>(t), static_cast<uint32_t>(k));
      if (x.state != State::kFree)
        bad_table(p, "tile " + std::to_string(t) + " row " + std::to_string(k) + " listed twice");
      x = {static_cast<uint16_t>(o), state};
    }
  }
}

void RowOwners::save_if_changed() {
  if (store_.empty() || !dirty_) return;
  const std::string text = to_json();
  const std::filesystem::path tmp = store_.string() + ".tmp";
  auto fail = [&](const std::string& what) {
    throw DriverError(Status::kIo, "row-owner table '" + store_.string() + "': " + what + ": " +
                                       std::strerror(errno));
  };
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) fail("cannot create " + tmp.string());
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("cannot write " + tmp.string());
      done += static_cast<size_t>(n);
    }
    if (::fdatasync(fd.get()) != 0) fail("cannot sync " + tmp.string());
  }
  if (std::rename(tmp.c_str(), store_.c_str()) != 0) fail("cannot rename " + tmp.string());
  const std::filesystem::path dir =
      store_.parent_path().empty() ? std::filesystem::path(".") : store_.parent_path();
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d || ::fsync(d.get()) != 0) fail("cannot sync directory " + dir.string());
  dirty_ = false;
}

}  // namespace hycim::driver
