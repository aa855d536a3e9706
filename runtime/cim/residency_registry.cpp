// residency_for: one NvmResidency per device (or device group) and owner in
// this process, opened on the catalogs of the NVM images it covers. Apart
// from nvm_residency.cpp so placement itself does not depend on the engines
// that wrap devices (multi_engine.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "runtime/cim/multi_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"

namespace hycim::cim {
namespace {

// Where a residency's NVM rows persist: the device (a group's members joined
// by '+'), the images whose catalogs it holds locked, and for a group each
// member's catalog file and tiles.
struct Store {
  std::string device;
  std::vector<std::string> images;
  std::vector<CatalogMember> members;                    // empty for one device
  std::vector<std::pair<uint32_t, std::string>> owners;  // each member's first tile, owner
};

Store store_of(const MvmEngine& engine) {
  Store s;
  const auto* group = dynamic_cast<const MultiDeviceEngine*>(&engine);
  if (!group) {
    const std::string image = engine.nvm_store();
    s.device = image.empty() ? engine.device_id() : image;
    if (!image.empty()) s.images.push_back(image);
    return s;
  }
  for (size_t d = 0; d < group->size(); ++d) {
    const MvmEngine& m = group->member(d);
    const std::string image = m.nvm_store();
    s.device += (d ? "+" : "") + (image.empty() ? m.device_id() : image);
    if (!image.empty()) s.images.push_back(image);
    s.members.push_back({image.empty() ? std::filesystem::path() : catalog_path_for(image),
                         m.geometry(), group->first_tile(d)});
    s.owners.emplace_back(group->first_tile(d), m.owner());
  }
  return s;
}

}  // namespace

// A persistent image is catalogued by one residency of this process at a
// time: a second one (another owner, or a group holding it in another order
// or with other devices) would place over the first's rows, and its lock
// would wait on this very process.
std::shared_ptr<NvmResidency> residency_for(const MvmEngine& engine, ResidencyLog log,
                                            std::chrono::milliseconds lock_timeout) {
  struct Live {
    std::weak_ptr<NvmResidency> residency;
    std::string device, owner;
    std::vector<std::string> images;
  };
  static std::mutex mu;
  static std::map<std::string, Live> live;
  const Store store = store_of(engine);
  // Row access and the rows a residency may use are its owner's.
  const std::string owner = engine.owner();
  const std::string key = store.device + "\n" + owner;
  std::lock_guard lock(mu);
  for (const auto& [k, l] : live) {
    if (k == key || l.residency.expired()) continue;
    for (const std::string& image : store.images) {
      if (std::find(l.images.begin(), l.images.end(), image) == l.images.end()) continue;
      if (l.device == store.device)
        throw EngineError(fmt::format(
            "device {}: its residency catalog is in use in this process by owner {}; owner {} "
            "may place weights there once that is closed",
            store.device, l.owner, owner));
      throw EngineError(fmt::format(
          "NVM image {}: its residency catalog is in use in this process by device {} (owner "
          "{}); device {} may place weights there once that is closed",
          image, l.device, l.owner, store.device));
    }
  }
  if (auto r = live[key].residency.lock()) {
    const Geometry& a = r->geometry();
    const Geometry b = engine.geometry();
    if (a.tiles != b.tiles || a.nvm_rows != b.nvm_rows || a.lanes != b.lanes)
      throw EngineError(fmt::format("device {}: geometry changed while in use", store.device));
    return r;
  }
  auto open = [&] {
    if (store.images.empty()) return ResidentCatalog(engine.geometry());
    if (!store.members.empty())
      return ResidentCatalog::open_group(store.members, engine.geometry(), lock_timeout);
    return ResidentCatalog::open(catalog_path_for(store.images[0]), engine.geometry(),
                                 lock_timeout);
  };
  auto r = std::make_shared<NvmResidency>(open(), std::move(log));
  if (!store.owners.empty()) r->set_member_owners(store.owners);
  live[key] = {r, store.device, owner, store.images};
  return r;
}

}  // namespace hycim::cim
