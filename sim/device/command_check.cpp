#include "sim/device/command_check.hpp"

#include <algorithm>

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;
using sd::DevStatus;

bool known_opcode(uint8_t op) {
  return std::any_of(sd::kAllDevOpcodeValues.begin(), sd::kAllDevOpcodeValues.end(),
                     [&](DevOpcode o) { return static_cast<uint8_t>(o) == op; });
}

bool reserved_clear(const sd::CommandRecord& c) {
  auto zero = [](uint8_t b) { return b == 0; };
  return std::all_of(std::begin(c.reserved0), std::end(c.reserved0), zero) &&
         std::all_of(std::begin(c.reserved1), std::end(c.reserved1), zero) &&
         (c.flags & ~sd::cmd_flags::kAll) == 0;
}

bool uses_tile(DevOpcode op) {
  return op != DevOpcode::kNop && op != DevOpcode::kFence;
}

bool widths_ok(const sd::CommandRecord& c, const spec::TileConfig& t) {
  return c.xbits >= 1 && c.xbits <= t.xbits && c.wbits >= 1 && c.wbits <= t.wbits;
}

// [first, first + count) inside [lo, hi), in 64 bits so no field can wrap.
bool rows_in(uint64_t first, uint64_t count, uint64_t lo, uint64_t hi) {
  return first >= lo && first + count <= hi;
}

// The tile's own checks (tile_model.cpp check()) for every row the command
// will touch, so a command that would fail half-way is refused up front.
DevStatus check_tile_fields(const sd::CommandRecord& c, const spec::TileConfig& t) {
  const uint64_t nvm = t.nvm_rows, rows = t.rows();
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kWriteSram:
      return rows_in(c.row, c.count, nvm, rows) ? DevStatus::kOk : DevStatus::kTileRowRange;
    case DevOpcode::kReadSram:
      return rows_in(c.row, c.count, 0, rows) ? DevStatus::kOk : DevStatus::kTileRowRange;
    case DevOpcode::kProgramNvm:
    case DevOpcode::kReadWear:
    case DevOpcode::kScrub:
      return rows_in(c.row, c.count, 0, nvm) ? DevStatus::kOk : DevStatus::kTileRowRange;
    case DevOpcode::kMvm:
      if (!widths_ok(c, t)) return DevStatus::kTileBadWidth;
      if (c.count == 0) return DevStatus::kTileBadCount;
      return rows_in(c.row, c.count, 0, rows) && rows_in(c.row2, input_rows(c.count, t), nvm, rows)
                 ? DevStatus::kOk
                 : DevStatus::kTileRowRange;
    case DevOpcode::kEmul:
      if (!widths_ok(c, t)) return DevStatus::kTileBadWidth;
      return rows_in(c.row, 1, 0, nvm) && rows_in(c.row2, 1, nvm, rows) ? DevStatus::kOk
                                                                        : DevStatus::kTileRowRange;
    case DevOpcode::kNop:
    case DevOpcode::kFence:
      return DevStatus::kOk;
  }
  return DevStatus::kBadOpcode;
}

}  // namespace

DevStatus check_record(const sd::CommandRecord& c, const spec::TileConfig& tile, uint32_t tiles) {
  if (!known_opcode(c.opcode)) return DevStatus::kBadOpcode;
  if (!reserved_clear(c)) return DevStatus::kBadField;
  const auto op = static_cast<DevOpcode>(c.opcode);
  if (uses_tile(op) && c.tile >= tiles) return DevStatus::kBadTile;
  return check_tile_fields(c, tile);
}

std::vector<HostRange> host_ranges(const sd::CommandRecord& c, const spec::TileConfig& t) {
  const uint64_t row_bytes = t.lanes, result_bytes = uint64_t{t.lanes} * sizeof(int32_t);
  const uint32_t rd = sd::win_ctrl::kRead, wr = sd::win_ctrl::kWrite;
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kWriteSram:
    case DevOpcode::kProgramNvm:
      return {{c.host_addr, c.count * row_bytes, rd}};
    case DevOpcode::kReadSram:
      return {{c.host_addr2, c.count * row_bytes, wr}};
    case DevOpcode::kReadWear:
      return {{c.host_addr2, c.count * uint64_t{sizeof(uint32_t)}, wr}};
    case DevOpcode::kMvm:
      if (c.flags & sd::cmd_flags::kInputInSram) return {{c.host_addr2, result_bytes, wr}};
      return {{c.host_addr, c.count, rd}, {c.host_addr2, result_bytes, wr}};
    case DevOpcode::kEmul:
      return {{c.host_addr2, result_bytes, wr}};
    case DevOpcode::kNop:
    case DevOpcode::kFence:
    case DevOpcode::kScrub:
      break;
  }
  return {};
}

}  // namespace hycim::device
