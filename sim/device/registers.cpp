#include "sim/device/registers.hpp"

#include <algorithm>
#include <bit>

namespace hycim::device {
namespace {

namespace sd = spec::device;
namespace reg = spec::device::reg;

const sd::RegisterInfo* find(uint32_t offset) {
  const auto* it = std::find_if(sd::kRegisters.begin(), sd::kRegisters.end(),
                                [&](const sd::RegisterInfo& r) { return r.offset == offset; });
  return it == sd::kRegisters.end() ? nullptr : it;
}

uint64_t set_lo(uint64_t v, uint32_t lo) {
  return (v & ~uint64_t{0xffffffff}) | lo;
}
uint64_t set_hi(uint64_t v, uint32_t hi) {
  return (v & 0xffffffff) | (uint64_t{hi} << 32);
}
uint32_t lo(uint64_t v) {
  return static_cast<uint32_t>(v);
}
uint32_t hi(uint64_t v) {
  return static_cast<uint32_t>(v >> 32);
}

}  // namespace

RegisterFile::Bus RegisterFile::read(uint32_t offset, uint32_t& value) const {
  const sd::RegisterInfo* r = find(offset);
  if (!r) return Bus::kAddressError;
  // Write-only registers read as 0, as is usual for doorbells and ack registers.
  value = r->access == sd::Access::kWo ? 0 : read_value(offset);
  return Bus::kOk;
}

RegisterFile::Bus RegisterFile::write(uint32_t offset, uint32_t value, Effects& fx) {
  const sd::RegisterInfo* r = find(offset);
  if (!r) return Bus::kAddressError;
  if (r->access == sd::Access::kRo) return Bus::kCommandError;
  write_value(offset, value, fx);
  return Bus::kOk;
}

void RegisterFile::log_error(sd::DevStatus code, uint32_t seq, uint64_t addr) {
  err_code_ = static_cast<uint32_t>(code);
  err_seq_ = seq;
  err_addr_ = addr;
  if (err_count_ != UINT32_MAX) ++err_count_;
  raise(sd::irq::kError);
}

uint32_t RegisterFile::status_bits() const {
  return (q_size_ ? sd::status::kQueueOn : 0) | (busy() ? sd::status::kBusy : 0) |
         (halted_ ? sd::status::kHalted : 0) | (reset_pending_ ? sd::status::kResetPending : 0);
}

uint32_t RegisterFile::read_value(uint32_t offset) const {
  const spec::TileConfig& t = caps_.tile;
  const DmaWindow& w = windows_[win_sel_];
  switch (offset) {
    case reg::kId:
      return sd::kId;
    case reg::kVersion:
      return sd::fields::Version{.minor = sd::kVersionMinor, .major = sd::kVersionMajor}.pack();
    case reg::kCapTiles:
      return caps_.tiles;
    case reg::kCapNvmRows:
      return t.nvm_rows;
    case reg::kCapSramRows:
      return t.sram_rows;
    case reg::kCapLanes:
      return t.lanes;
    case reg::kCapWidths:
      return sd::fields::CapWidths{.wbits = t.wbits, .xbits = t.xbits, .acc_bits = t.acc_bits}
          .pack();
    case reg::kCapRowsPerCycle:
      return t.rows_per_cycle;
    case reg::kCapDmaWindows:
      return sd::kDmaWindows;
    case reg::kCapFlags:
      return caps_.flags;
    case reg::kStatus:
      return status_bits();
    case reg::kQBaseLo:
      return lo(q_base_);
    case reg::kQBaseHi:
      return hi(q_base_);
    case reg::kQSize:
      return q_size_;
    case reg::kQHead:
      return q_head_;
    case reg::kQTail:
      return q_tail_;
    case reg::kCqBaseLo:
      return lo(cq_base_);
    case reg::kCqBaseHi:
      return hi(cq_base_);
    case reg::kCqCount:
      return cq_count_;
    case reg::kIrqStatus:
      return irq_status_;
    case reg::kIrqMask:
      return irq_mask_;
    case reg::kErrCode:
      return err_code_;
    case reg::kErrSeq:
      return err_seq_;
    case reg::kErrAddrLo:
      return lo(err_addr_);
    case reg::kErrAddrHi:
      return hi(err_addr_);
    case reg::kErrCount:
      return err_count_;
    case reg::kWinSel:
      return win_sel_;
    case reg::kWinBaseLo:
      return lo(w.base);
    case reg::kWinBaseHi:
      return hi(w.base);
    case reg::kWinSizeLo:
      return lo(w.size);
    case reg::kWinSizeHi:
      return hi(w.size);
    case reg::kWinCtrl:
      return w.ctrl;
  }
  return 0;
}

// Moving the rings under commands the device is still fetching or running
// would make it read or write memory the host already reused.
bool RegisterFile::refuse_while_busy(uint32_t offset) {
  if (!busy()) return false;
  log_error(sd::DevStatus::kBadRegister, 0, offset);
  return true;
}

void RegisterFile::write_value(uint32_t offset, uint32_t v, Effects& fx) {
  auto bad = [&] { log_error(sd::DevStatus::kBadRegister, 0, offset); };
  DmaWindow& w = windows_[win_sel_];
  switch (offset) {
    case reg::kReset:
      if (v != sd::kResetKey) return bad();
      reset_pending_ = fx.reset = true;
      return;
    case reg::kQBaseLo:
      if (refuse_while_busy(offset)) return;
      if (v % sizeof(sd::CommandRecord)) return bad();
      q_base_ = set_lo(q_base_, v);
      return;
    case reg::kQBaseHi:
      if (!refuse_while_busy(offset)) q_base_ = set_hi(q_base_, v);
      return;
    case reg::kQSize:
      if (refuse_while_busy(offset)) return;
      if (v > sd::kMaxQueueEntries || (v != 0 && !std::has_single_bit(v))) return bad();
      q_size_ = v;
      q_head_ = q_tail_ = 0;  // a new ring starts empty
      return;
    case reg::kQTail:
    case reg::kQDoorbell:
      if (v >= q_size_) return bad();
      q_tail_ = v;
      fx.kick = offset == reg::kQDoorbell;
      return;
    case reg::kCqBaseLo:
      if (refuse_while_busy(offset)) return;
      if (v % sizeof(sd::CompletionRecord)) return bad();
      cq_base_ = set_lo(cq_base_, v);
      return;
    case reg::kCqBaseHi:
      if (!refuse_while_busy(offset)) cq_base_ = set_hi(cq_base_, v);
      return;
    case reg::kIrqMask:
      irq_mask_ = v & sd::irq::kAll;
      return;
    case reg::kIrqAck:
      irq_status_ &= ~v;
      return;
    case reg::kErrClear:
      err_code_ = err_seq_ = err_count_ = 0, err_addr_ = 0;
      return;
    case reg::kWinSel:
      if (v >= sd::kDmaWindows) return bad();
      win_sel_ = v;
      return;
    case reg::kWinBaseLo:
      w.base = set_lo(w.base, v);
      return;
    case reg::kWinBaseHi:
      w.base = set_hi(w.base, v);
      return;
    case reg::kWinSizeLo:
      w.size = set_lo(w.size, v);
      return;
    case reg::kWinSizeHi:
      w.size = set_hi(w.size, v);
      return;
    case reg::kWinCtrl:
      if (v & ~sd::win_ctrl::kAll) return bad();
      w.ctrl = v;
      return;
  }
}

}  // namespace hycim::device
