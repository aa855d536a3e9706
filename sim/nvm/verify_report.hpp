// What NvmImage::verify() found: the header's state and every row that is not
// perfectly healthy. A report is data, not an exception, so a tool can list
// every damaged block at once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace hycim::nvm {

enum class RowCondition {
  // One slot is damaged (typically a write torn by a crash) and the other
  // holds the row's newest contents: readable, and the damaged slot is the one
  // the next write_row rewrites, which repairs it.
  kRepairedOnNextWrite,
  // The row on disk is no longer what this image last wrote (its newest slot
  // was damaged or rewritten behind the open image): reading it fails until
  // it is written again.
  kDiverged,
  // Both slots are damaged: the row's contents are gone.
  kUnreadable,
};

const char* to_string(RowCondition c);

struct RowIssue {
  uint32_t tile = 0;
  uint32_t row = 0;  // physical: a spare is rows_per_tile + its index
  RowCondition condition = RowCondition::kRepairedOnNextWrite;
  std::string detail;  // per-slot findings
};

struct VerifyReport {
  std::string path;
  std::string header_problem;  // empty when the header is intact
  uint64_t rows_checked = 0;   // physical rows, spares included
  uint64_t rows_remapped = 0;  // rows living on a spare
  std::vector<RowIssue> issues;

  // Every row reads back its newest contents (repairable rows allowed).
  bool ok() const;
  // Nothing at all to report.
  bool clean() const { return header_problem.empty() && issues.empty(); }
  // One line per finding, first line a summary.
  std::string summary() const;
};

}  // namespace hycim::nvm
