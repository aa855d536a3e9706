#include "runtime/cim/resident_catalog.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <thread>

namespace hycim::cim {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "hycim-resident-catalog";
constexpr int kVersion = 1;

std::string errno_text() {
  return std::strerror(errno);
}

// Takes the exclusive lock on `lock_path`, waiting up to `timeout`; writes our
// pid into the file so a waiting process can say who holds it.
int take_lock(const fs::path& lock_path, std::chrono::milliseconds timeout) {
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw EngineError(
        fmt::format("residency catalog lock {}: {}", lock_path.string(), errno_text()));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK || std::chrono::steady_clock::now() >= deadline) {
      char pid[32] = {};
      const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
      ::close(fd);
      throw EngineError(fmt::format(
          "residency catalog {} is in use by process {} (waited {} ms): one process places "
          "weights on a device at a time",
          lock_path.string(), n > 0 ? std::string(pid, static_cast<size_t>(n)) : "?",
          timeout.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string me = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
    // The pid is only for messages: the lock itself is held.
  }
  return fd;
}

// Members are checked before they are read: nlohmann's own accessors throw
// its type_error (or convert a float out of range, undefined behaviour), not
// an EngineError naming the file, and truncate an unsigned to 32 bits.
uint64_t get_u64(const json& j, const char* key, const fs::path& path, uint64_t max = UINT64_MAX) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned() ||
      j[key].get<uint64_t>() > max)
    throw EngineError(fmt::format("residency catalog {}: '{}' missing or not an unsigned number{}",
                                  path.string(), key,
                                  max == UINT64_MAX ? "" : fmt::format(" up to {}", max)));
  return j[key].get<uint64_t>();
}

uint32_t get_u32(const json& j, const char* key, const fs::path& path) {
  return static_cast<uint32_t>(get_u64(j, key, path, UINT32_MAX));
}

std::string get_string(const json& j, const char* key, const fs::path& path) {
  if (!j.contains(key)) return "";
  if (!j[key].is_string())
    throw EngineError(
        fmt::format("residency catalog {}: '{}' is not a string", path.string(), key));
  return j[key].get<std::string>();
}

// Writes a catalog file atomically: a temporary file, fsync, rename.
void write_catalog(const fs::path& path, const Geometry& g, uint64_t generation,
                   const std::vector<ResidentBlock>& blocks_in) {
  json blocks = json::array();
  for (const ResidentBlock& b : blocks_in)
    blocks.push_back({{"hash", b.hash},
                      {"tile", b.tile},
                      {"row", b.row},
                      {"rows", b.rows},
                      {"label", b.label},
                      {"last_used", b.last_used},
                      {"owner", b.owner}});
  const json j{{"format", kFormat},
               {"version", kVersion},
               {"geometry", {{"tiles", g.tiles}, {"nvm_rows", g.nvm_rows}, {"lanes", g.lanes}}},
               {"generation", generation},
               {"blocks", blocks}};
  const std::string text = j.dump(1) + "\n";
  const fs::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  for (size_t at = 0; ok && at < text.size();) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    at += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  const std::string why = ok ? "" : errno_text();
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    throw EngineError(fmt::format("residency catalog {}: cannot save: {}", path.string(),
                                  ok ? errno_text() : why));
}

}  // namespace

struct ResidentCatalog::Member {
  ResidentCatalog catalog;  // in its own tile numbers, as last read or written
  uint32_t first_tile = 0;
  uint64_t shift = 0;  // added to its generations in the group's view
};

fs::path catalog_path_for(const std::string& nvm_store) {
  return fs::path(nvm_store + ".resident.json");
}

ResidentCatalog::ResidentCatalog(const Geometry& g) : geometry_(g) {}

ResidentCatalog::ResidentCatalog(ResidentCatalog&& o) noexcept
    : path_(std::move(o.path_)),
      lock_fd_(std::exchange(o.lock_fd_, -1)),
      geometry_(o.geometry_),
      generation_(o.generation_),
      blocks_(std::move(o.blocks_)),
      members_(std::move(o.members_)) {}

ResidentCatalog& ResidentCatalog::operator=(ResidentCatalog&& o) noexcept {
  if (this != &o) {
    if (lock_fd_ >= 0) ::close(lock_fd_);
    path_ = std::move(o.path_);
    lock_fd_ = std::exchange(o.lock_fd_, -1);
    geometry_ = o.geometry_;
    generation_ = o.generation_;
    blocks_ = std::move(o.blocks_);
    members_ = std::move(o.members_);
  }
  return *this;
}

ResidentCatalog::~ResidentCatalog() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

ResidentCatalog ResidentCatalog::open(const fs::path& path, const Geometry& g,
                                      std::chrono::milliseconds lock_timeout) {
  ResidentCatalog c;
  c.path_ = path;
  c.geometry_ = g;
  c.lock_fd_ = take_lock(fs::path(path.string() + ".lock"), lock_timeout);
  std::error_code ec;
  if (!fs::exists(path, ec)) return c;
  std::ifstream in(path);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw EngineError(
        fmt::format("residency catalog {}: not valid JSON ({}); remove it or run "
                    "'hycim nvm erase --all' to start over",
                    path.string(), e.what()));
  }
  if (!j.is_object() || j.value("format", json()) != kFormat ||
      j.value("version", json()) != kVersion)
    throw EngineError(fmt::format("residency catalog {}: not a {} version {} file", path.string(),
                                  kFormat, kVersion));
  if (!j.contains("geometry") || !j["geometry"].is_object())
    throw EngineError(
        fmt::format("residency catalog {}: 'geometry' missing or not an object", path.string()));
  const json& geo = j["geometry"];
  if (get_u32(geo, "tiles", path) != g.tiles || get_u32(geo, "nvm_rows", path) != g.nvm_rows ||
      get_u32(geo, "lanes", path) != g.lanes)
    throw EngineError(
        fmt::format("residency catalog {}: written for another device geometry", path.string()));
  c.generation_ = get_u64(j, "generation", path) + 1;
  if (!j.contains("blocks") || !j["blocks"].is_array())
    throw EngineError(fmt::format("residency catalog {}: 'blocks' is not a list", path.string()));
  for (const json& b : j["blocks"]) {
    if (!b.is_object())
      throw EngineError(
          fmt::format("residency catalog {}: block {} is not an object", path.string(), b.dump()));
    ResidentBlock r{
        get_string(b, "hash", path),  get_u32(b, "tile", path),
        get_u32(b, "row", path),      get_u32(b, "rows", path),
        get_string(b, "label", path), b.contains("last_used") ? get_u64(b, "last_used", path) : 0,
        get_string(b, "owner", path)};
    if (r.hash.size() != 64 || r.rows == 0 || r.tile >= g.tiles || r.row + r.rows > g.nvm_rows ||
        r.row + r.rows < r.row)
      throw EngineError(fmt::format(
          "residency catalog {}: block '{}' at tile {} rows {}+{} does not fit the device",
          path.string(), r.label, r.tile, r.row, r.rows));
    c.blocks_.push_back(std::move(r));
  }
  return c;
}

void ResidentCatalog::save() {
  if (members_.empty()) {
    if (!path_.empty()) write_catalog(path_, geometry_, generation_, blocks_);
    return;
  }
  for (Member& m : members_) {
    ResidentCatalog& c = m.catalog;
    if (c.path_.empty()) continue;
    std::vector<ResidentBlock> own;
    for (const ResidentBlock& b : blocks_)
      if (b.tile >= m.first_tile && b.tile - m.first_tile < c.geometry_.tiles) {
        ResidentBlock local = b;
        local.tile -= m.first_tile;
        local.last_used -= std::min(local.last_used, m.shift);
        own.push_back(std::move(local));
      }
    if (own == c.blocks_) continue;  // untouched members keep their file
    write_catalog(c.path_, c.geometry_, c.generation_, own);
    c.blocks_ = std::move(own);
  }
}

const fs::path& ResidentCatalog::path_of(uint32_t tile) const {
  for (const Member& m : members_)
    if (tile >= m.first_tile && tile - m.first_tile < m.catalog.geometry_.tiles)
      return m.catalog.path_;
  return path_;
}

ResidentCatalog ResidentCatalog::open_group(std::span<const CatalogMember> members,
                                            const Geometry& g,
                                            std::chrono::milliseconds lock_timeout) {
  std::vector<size_t> order(members.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return members[a].path < members[b].path; });
  std::vector<std::optional<ResidentCatalog>> opened(members.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const CatalogMember& m = members[order[k]];
    if (m.first_tile + m.geometry.tiles > g.tiles || m.first_tile + m.geometry.tiles < m.first_tile)
      throw EngineError(
          fmt::format("device group catalog: member tiles {}..{} outside the {} tiles",
                      m.first_tile, m.first_tile + m.geometry.tiles - 1, g.tiles));
    if (m.path.empty()) {
      opened[order[k]] = ResidentCatalog(m.geometry);
      continue;
    }
    if (k > 0 && members[order[k - 1]].path == m.path)
      throw EngineError(fmt::format(
          "residency catalog {} belongs to two devices of the group: each member needs its own "
          "NVM image",
          m.path.string()));
    opened[order[k]] = open(m.path, m.geometry, lock_timeout);
  }
  ResidentCatalog c;
  c.geometry_ = g;
  for (const auto& o : opened) c.generation_ = std::max(c.generation_, o->generation_);
  std::string names;
  for (size_t i = 0; i < members.size(); ++i) {
    Member m{std::move(*opened[i]), members[i].first_tile, 0};
    m.shift = c.generation_ - m.catalog.generation_;
    for (ResidentBlock b : m.catalog.blocks_) {
      b.tile += m.first_tile;
      b.last_used += m.shift;
      c.blocks_.push_back(std::move(b));
    }
    if (!m.catalog.path_.empty()) names += (names.empty() ? "" : " + ") + m.catalog.path_.string();
    c.members_.push_back(std::move(m));
  }
  c.path_ = names;
  return c;
}

}  // namespace hycim::cim
