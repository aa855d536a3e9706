// NvmImage::verify(): a full re-read of the file, spare rows included,
// compared with what this image believes each physical row holds.
#include <fmt/format.h>

#include <optional>

#include "sim/nvm/format.hpp"
#include "sim/nvm/nvm_image.hpp"
#include "sim/nvm/row_scan.hpp"

namespace hycim::nvm {
namespace {

std::optional<RowCondition> classify(const RowPick& p, uint32_t current, uint64_t seq) {
  if (!p.readable) return RowCondition::kUnreadable;
  if (p.current != current || p.seq != seq) return RowCondition::kDiverged;
  if (!p.other_valid) return RowCondition::kRepairedOnNextWrite;
  return std::nullopt;
}

std::string header_state(int fd, const io::Path& path, const Geometry& expected, uint64_t size) {
  format::FileHeader h{};
  if (size < sizeof h) return fmt::format("truncated: file has {} bytes", size);
  io::read_at(fd, {reinterpret_cast<uint8_t*>(&h), sizeof h}, 0, path);
  if (std::string p = format::header_problem(h); !p.empty()) return p;
  if (format::header_geometry(h) != expected) return "geometry changed behind the open image";
  return {};
}

}  // namespace

VerifyReport NvmImage::verify() const {
  VerifyReport report;
  report.path = path_.string();
  for (uint64_t i = 0; i < where_.size(); ++i)
    if (where_[i] != i % geometry_.rows_per_tile) ++report.rows_remapped;
  uint64_t size = io::file_size(fd_.get(), path_);
  report.header_problem = header_state(fd_.get(), path_, geometry_, size);
  if (uint64_t want = format::file_bytes_for(geometry_); size != want) {
    if (!report.header_problem.empty()) report.header_problem += "; ";
    report.header_problem += fmt::format("file has {} bytes, the geometry needs {}", size, want);
    return report;  // rows cannot be located reliably in a file of the wrong size
  }
  scan_rows(fd_.get(), path_, geometry_, [&](const RowPick& p) {
    ++report.rows_checked;
    const RowState& s = rows_[physical_index(p.tile, p.row)];
    if (std::optional<RowCondition> c = classify(p, s.current, s.seq))
      report.issues.push_back({p.tile, p.row, *c, describe_slots(geometry_, p)});
  });
  return report;
}

}  // namespace hycim::nvm
