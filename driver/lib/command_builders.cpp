#include "driver/command_builders.hpp"

namespace hycim::driver::cmd {
namespace {

namespace sd = spec::device;

CommandRecord make(sd::DevOpcode op, uint32_t seq, uint16_t tile) {
  CommandRecord c{};  // reserved bytes zero, as the device requires
  c.opcode = static_cast<uint8_t>(op);
  c.seq = seq;
  c.tile = tile;
  return c;
}

CommandRecord rows(sd::DevOpcode op, uint32_t seq, uint16_t tile, uint32_t row, uint32_t count) {
  CommandRecord c = make(op, seq, tile);
  c.row = row;
  c.count = count;
  return c;
}

void set_widths(CommandRecord& c, const Widths& w) {
  c.xbits = w.xbits;
  c.wbits = w.wbits;
  c.flags = static_cast<uint8_t>((w.xsigned ? sd::cmd_flags::kXsigned : 0) |
                                 (w.wsigned ? sd::cmd_flags::kWsigned : 0));
}

}  // namespace

CommandRecord nop(uint32_t seq) {
  return make(sd::DevOpcode::kNop, seq, 0);
}
CommandRecord fence(uint32_t seq) {
  return make(sd::DevOpcode::kFence, seq, 0);
}

CommandRecord write_sram(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t src) {
  CommandRecord c = rows(sd::DevOpcode::kWriteSram, seq, tile, row, count);
  c.host_addr = src;
  return c;
}

CommandRecord read_sram(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t dst) {
  CommandRecord c = rows(sd::DevOpcode::kReadSram, seq, tile, row, count);
  c.host_addr2 = dst;
  return c;
}

CommandRecord program_nvm(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t src) {
  CommandRecord c = rows(sd::DevOpcode::kProgramNvm, seq, tile, row, count);
  c.host_addr = src;
  return c;
}

CommandRecord read_wear(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t dst) {
  CommandRecord c = rows(sd::DevOpcode::kReadWear, seq, tile, row, count);
  c.host_addr2 = dst;
  return c;
}

CommandRecord scrub(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count) {
  return rows(sd::DevOpcode::kScrub, seq, tile, row, count);
}

CommandRecord mvm(uint32_t seq, uint16_t tile, uint32_t w_row, uint32_t k, uint32_t x_row,
                  uint64_t src, uint64_t dst, Widths w, bool input_in_sram) {
  CommandRecord c = rows(sd::DevOpcode::kMvm, seq, tile, w_row, k);
  c.row2 = x_row;
  c.host_addr = src;
  c.host_addr2 = dst;
  set_widths(c, w);
  if (input_in_sram) c.flags |= sd::cmd_flags::kInputInSram;
  return c;
}

CommandRecord emul(uint32_t seq, uint16_t tile, uint32_t nvm_row, uint32_t sram_row, uint64_t dst,
                   Widths w) {
  CommandRecord c = rows(sd::DevOpcode::kEmul, seq, tile, nvm_row, 0);
  c.row2 = sram_row;
  c.host_addr2 = dst;
  set_widths(c, w);
  return c;
}

}  // namespace hycim::driver::cmd
