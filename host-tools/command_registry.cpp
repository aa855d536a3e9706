#include "host-tools/command_registry.hpp"

#include <algorithm>

namespace hycim::cli {

std::vector<CommandEntry>& command_table() {
  // Function-local so registration from other translation units' static
  // initialisers never sees an unconstructed table.
  static std::vector<CommandEntry> table;
  return table;
}

CommandRegistration::CommandRegistration(const char* name, CommandSetup setup) {
  auto& t = command_table();
  t.push_back({name, setup});
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

}  // namespace hycim::cli
