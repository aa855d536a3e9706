// Builders for command records, so hosts (the driver's users, its C API,
// tests, benchmarks) never fill CommandRecord fields by hand. Part of the
// driver: a host needs them, the device does not. Field meanings:
// docs/device.md.
#pragma once
#include <cstdint>

#include "hycim/spec/device_spec.hpp"

namespace hycim::driver::cmd {

using spec::device::CommandRecord;

struct Widths {
  uint8_t xbits = 8;
  uint8_t wbits = 8;
  bool xsigned = true;
  bool wsigned = true;
};

CommandRecord nop(uint32_t seq);
CommandRecord fence(uint32_t seq);
CommandRecord write_sram(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t src);
CommandRecord read_sram(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t dst);
CommandRecord program_nvm(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t src);
CommandRecord read_wear(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count, uint64_t dst);
CommandRecord scrub(uint32_t seq, uint16_t tile, uint32_t row, uint32_t count);
// src == 0 with input_in_sram: the input is already in SRAM rows x_row..
CommandRecord mvm(uint32_t seq, uint16_t tile, uint32_t w_row, uint32_t k, uint32_t x_row,
                  uint64_t src, uint64_t dst, Widths w = {}, bool input_in_sram = false);
CommandRecord emul(uint32_t seq, uint16_t tile, uint32_t nvm_row, uint32_t sram_row, uint64_t dst,
                   Widths w = {});

}  // namespace hycim::driver::cmd
