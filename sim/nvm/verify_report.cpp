#include "sim/nvm/verify_report.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hycim::nvm {

const char* to_string(RowCondition c) {
  switch (c) {
    case RowCondition::kRepairedOnNextWrite:
      return "one slot damaged, repaired on next write";
    case RowCondition::kDiverged:
      return "changed on disk behind the open image";
    case RowCondition::kUnreadable:
      return "both slots damaged";
  }
  return "unknown";
}

bool VerifyReport::ok() const {
  return header_problem.empty() && std::all_of(issues.begin(), issues.end(), [](const RowIssue& i) {
           return i.condition == RowCondition::kRepairedOnNextWrite;
         });
}

std::string VerifyReport::summary() const {
  std::string out = fmt::format("NVM image {}: {} rows checked", path, rows_checked);
  if (rows_remapped != 0) out += fmt::format(", {} remapped to spare rows", rows_remapped);
  out += fmt::format(", {} issues, {}", issues.size(), ok() ? "ok" : "DAMAGED");
  if (!header_problem.empty()) out += fmt::format("\n  header: {}", header_problem);
  for (const RowIssue& i : issues)
    out +=
        fmt::format("\n  tile {} row {}: {} ({})", i.tile, i.row, to_string(i.condition), i.detail);
  return out;
}

}  // namespace hycim::nvm
