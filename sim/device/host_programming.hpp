// The register writes a host makes to hand the device its command and
// completion rings and to program a DMA window (docs/device.md, "Command ring
// and completions", "DMA windows"), written once for every host of the
// device: HostBench, the driver's engine, the tests' functional bench.
// `Regs` is anything with write(uint32_t offset, uint32_t value).
#pragma once
#include <cstdint>

#include "hycim/spec/device_spec.hpp"

namespace hycim::device {

template <class Regs>
void write_reg64(Regs& regs, uint32_t lo, uint32_t hi, uint64_t value) {
  regs.write(lo, static_cast<uint32_t>(value));
  regs.write(hi, static_cast<uint32_t>(value >> 32));
}

template <class Regs>
void program_rings(Regs& regs, uint64_t ring, uint64_t completions, uint32_t entries) {
  namespace reg = spec::device::reg;
  write_reg64(regs, reg::kQBaseLo, reg::kQBaseHi, ring);
  write_reg64(regs, reg::kCqBaseLo, reg::kCqBaseHi, completions);
  regs.write(reg::kQSize, entries);
}

template <class Regs>
void program_window(Regs& regs, uint32_t index, uint64_t base, uint64_t size, uint32_t ctrl) {
  namespace reg = spec::device::reg;
  regs.write(reg::kWinSel, index);
  write_reg64(regs, reg::kWinBaseLo, reg::kWinBaseHi, base);
  write_reg64(regs, reg::kWinSizeLo, reg::kWinSizeHi, size);
  regs.write(reg::kWinCtrl, ctrl);
}

}  // namespace hycim::device
