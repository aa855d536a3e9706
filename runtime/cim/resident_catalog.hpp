// The residency catalog: which weight blocks sit in which NVM rows of a
// device, by content hash, kept in a JSON file next to the device's NVM image
// (`<image>.resident.json`, format in docs/runtime.md) so a later process
// finds them. The catalog is a hint, never trusted alone: a block found in it
// is read back and compared before use (NvmResidency), so a stale or
// hand-edited catalog costs a reprogram, never a wrong answer.
//
// One process at a time places weights on a device: open() takes an exclusive
// lock (`<catalog>.lock`, holding the owner's pid) for the catalog's lifetime
// and waits for it up to a timeout. Saves are atomic (temporary file, fsync,
// rename).
//
// A device group's catalog (open_group) is the union of its members'
// catalogs, one per member image in that member's own tile numbers and
// format, so each image stays self-describing: its device can later be used
// alone, or in another group or order. Members without an image keep their
// part in memory.
#pragma once
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"

namespace hycim::cim {

struct ResidentBlock {
  std::string hash;  // content_hash of the block's rows
  uint32_t tile = 0, row = 0, rows = 0;
  std::string label;       // "digits.onnx:fc1.weight k[0,64) n[0,32)"
  uint64_t last_used = 0;  // catalog generation that last used it: eviction order
  // The owner identity that programmed it ("uid:U/NAMESPACE", docs/driver.md
  // "Row ownership"); "" in catalogs from before row ownership.
  std::string owner;

  bool operator==(const ResidentBlock&) const = default;
};

// One device of a group's catalog: its catalog file ("" when its NVM does not
// persist), its own geometry, and the group's number of its tile 0.
struct CatalogMember {
  std::filesystem::path path;
  Geometry geometry;
  uint32_t first_tile = 0;
};

class ResidentCatalog {
 public:
  // An in-memory catalog (the device's NVM does not persist).
  explicit ResidentCatalog(const Geometry& g);
  // Opens (or starts) the catalog at `path` for a device of geometry `g`.
  // Throws EngineError naming the file: malformed JSON, another geometry, or
  // the lock still held by process P after `lock_timeout`.
  static ResidentCatalog open(const std::filesystem::path& path, const Geometry& g,
                              std::chrono::milliseconds lock_timeout);
  // The catalog of a device group of geometry `g`: every member's catalog
  // opened (and locked) as by open(), in the order of their paths, so two
  // processes opening one group in different member orders cannot deadlock.
  // Tiles are the group's (member tile + first_tile); each member's
  // generations are shifted so that this process's generation() is one for
  // the whole group and every member keeps its order of use. Throws
  // EngineError as open() does, or when two members share a catalog file.
  static ResidentCatalog open_group(std::span<const CatalogMember> members, const Geometry& g,
                                    std::chrono::milliseconds lock_timeout);
  ResidentCatalog(ResidentCatalog&&) noexcept;
  ResidentCatalog& operator=(ResidentCatalog&&) noexcept;
  ~ResidentCatalog();

  // Writes the file (no-op for an in-memory catalog); for a group, the file
  // of every persistent member whose blocks changed since it was read or
  // last written. Throws EngineError.
  void save();

  // The file, or for a group its members' files joined by " + " (for
  // messages); path_of() names the file of one tile's member ("" for a
  // member kept in memory).
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& path_of(uint32_t tile) const;
  const Geometry& geometry() const { return geometry_; }
  // This process's generation: one more than the last process that saved.
  uint64_t generation() const { return generation_; }
  std::vector<ResidentBlock>& blocks() { return blocks_; }
  const std::vector<ResidentBlock>& blocks() const { return blocks_; }

 private:
  struct Member;  // a group's member catalog, where its tiles start, its shift

  ResidentCatalog() = default;
  std::filesystem::path path_;
  int lock_fd_ = -1;
  Geometry geometry_;
  uint64_t generation_ = 1;
  std::vector<ResidentBlock> blocks_;
  std::vector<Member> members_;  // empty for one device
};

// `<nvm image>.resident.json`: where the catalog of a persistent device lives.
std::filesystem::path catalog_path_for(const std::string& nvm_store);

}  // namespace hycim::cim
