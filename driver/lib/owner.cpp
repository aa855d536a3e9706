// Owner identities of NVM rows (driver.hpp, RowAccess): the namespace a URI
// names, checked here so both schemes and the daemon accept the same names.
#include <string>
#include <string_view>

#include "driver/driver.hpp"

namespace hycim::driver {

bool valid_owner_namespace(std::string_view name) {
  if (name.empty() || name.size() > kMaxOwnerNamespace) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string owner_identity(uint32_t uid, std::string_view name_space) {
  return "uid:" + std::to_string(uid) + "/" + std::string(name_space);
}

const char* to_string(RowAccess a) {
  switch (a) {
    case RowAccess::kFree:
      return "free";
    case RowAccess::kMine:
      return "mine";
    case RowAccess::kMineShared:
      return "mine-shared";
    case RowAccess::kShared:
      return "shared";
    case RowAccess::kTheirs:
      return "theirs";
    case RowAccess::kReleased:
      return "released";
  }
  return "unknown";
}

}  // namespace hycim::driver
