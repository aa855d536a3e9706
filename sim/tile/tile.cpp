#include "sim/tile/tile.hpp"

#include <fmt/format.h>

#include <bit>

namespace hycim::tile {

Command Command::write_sram(uint32_t row, std::vector<uint8_t> data) {
  Command c;
  c.op = Opcode::kWriteSram;
  c.row = row;
  c.data = std::move(data);
  return c;
}

Command Command::program_nvm(uint32_t row, std::vector<uint8_t> data) {
  Command c = write_sram(row, std::move(data));
  c.op = Opcode::kProgramNvm;
  return c;
}

Command Command::read_row(uint32_t row) {
  Command c;
  c.op = Opcode::kReadRow;
  c.row = row;
  return c;
}

Command Command::read_wear(uint32_t row) {
  Command c = read_row(row);
  c.op = Opcode::kReadWear;
  return c;
}

Command Command::sync() {
  Command c;
  c.op = Opcode::kSync;
  return c;
}

Command Command::mvm(uint32_t w_row, uint32_t k, uint32_t x_row, uint8_t xbits, bool xsigned,
                     uint8_t wbits, bool wsigned) {
  Command c;
  c.op = Opcode::kMvm;
  c.row = w_row;
  c.count = k;
  c.row2 = x_row;
  c.xbits = xbits;
  c.xsigned = xsigned;
  c.wbits = wbits;
  c.wsigned = wsigned;
  return c;
}

Command Command::emul(uint32_t nvm_row, uint32_t sram_row, uint8_t xbits, bool xsigned,
                      uint8_t wbits, bool wsigned) {
  Command c = mvm(nvm_row, 0, sram_row, xbits, xsigned, wbits, wsigned);
  c.op = Opcode::kEmul;
  return c;
}

void validate(const TileConfig& c) {
  auto fail = [&](const std::string& why) {
    throw TileError(fmt::format("tile config '{}': {}", c.name, why));
  };
  if (c.lanes < 1) fail("LANES must be at least 1");
  if (c.wbits < 1 || c.wbits > 8) fail(fmt::format("WBITS={} not in 1..8", c.wbits));
  if (c.xbits < 1 || c.xbits > c.wbits)
    fail(fmt::format("XBITS={} not in 1..WBITS (inputs are stored in lanes)", c.xbits));
  if (c.nvm_rows < 1 || c.sram_rows < 1) fail("NVM_ROWS and SRAM_ROWS must be at least 1");
  if (c.rows() >= (1u << spec::kRowBits))
    fail(fmt::format("{} rows do not fit the {}-bit row address", c.rows(), spec::kRowBits));
  if (c.rows_per_cycle < 1) fail("ROWS_PER_CYCLE must be at least 1");
  if (c.nvm_endurance < 1) fail("NVM_ENDURANCE must be at least 1");
  // A lane sums at most rows() products of XBITS x WBITS bits, plus a sign bit.
  const unsigned need = c.xbits + c.wbits + std::bit_width(c.rows() - 1) + 1;
  if (c.acc_bits > 32 || c.acc_bits < need)
    fail(fmt::format("ACC_BITS={} must be in {}..32 so no MVM can overflow", c.acc_bits, need));
}

void check_fits_port(const TileConfig& cfg, const Command& c) {
  auto too_wide = [](uint64_t v, unsigned bits) { return v >> bits != 0; };
  if (too_wide(static_cast<uint8_t>(c.op), spec::kOpBits) || too_wide(c.row, spec::kRowBits) ||
      too_wide(c.row2, spec::kRowBits) || too_wide(c.count, spec::kRowBits) ||
      too_wide(c.xbits, spec::kWidthBits) || too_wide(c.wbits, spec::kWidthBits))
    throw TileError(
        fmt::format("{} command has a field wider than the tile port", spec::to_string(c.op)));
  const bool writes = c.op == Opcode::kWriteSram || c.op == Opcode::kProgramNvm;
  if (writes && c.data.size() != cfg.lanes)
    throw TileError(fmt::format("{} needs {} lane values, got {}", spec::to_string(c.op), cfg.lanes,
                                c.data.size()));
}

const TileConfig& named_config(const std::string& name) {
  std::string known;
  for (const auto& c : spec::kNamedTileConfigs) {
    if (c.name == name) return c;
    known += (known.empty() ? "" : ", ") + std::string(c.name);
  }
  throw TileError(fmt::format("unknown tile config '{}' (known: {})", name, known));
}

}  // namespace hycim::tile
