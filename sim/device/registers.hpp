// The device's register file as plain state (no SystemC): what each offset
// reads, what a write changes, and which writes are refused. The SystemC
// device (device.hpp) puts it behind its TLM target socket and acts on the
// effects a write reports. Map and bits: hycim/spec/device_spec.hpp,
// docs/device.md "Registers".
#pragma once
#include <array>
#include <cstdint>

#include "hycim/spec/device_spec.hpp"
#include "hycim/spec/tile_spec.hpp"

namespace hycim::device {

struct DmaWindow {
  uint64_t base = 0;
  uint64_t size = 0;
  uint32_t ctrl = 0;  // spec::device::win_ctrl bits
};

struct Capabilities {
  uint32_t tiles = 0;
  spec::TileConfig tile{};
  uint32_t flags = 0;  // spec::device::cap_flags bits
};

class RegisterFile {
 public:
  enum class Bus { kOk, kAddressError, kCommandError };
  // What a register write asks the device to do next.
  struct Effects {
    bool kick = false;   // doorbell: fetch up to Q_TAIL
    bool reset = false;  // RESET_KEY written
  };

  explicit RegisterFile(const Capabilities& caps) : caps_(caps) {}

  Bus read(uint32_t offset, uint32_t& value) const;
  Bus write(uint32_t offset, uint32_t value, Effects& fx);

  // Device side.
  uint64_t queue_base() const { return q_base_; }
  uint64_t completion_base() const { return cq_base_; }
  uint32_t queue_size() const { return q_size_; }
  uint32_t head() const { return q_head_; }
  uint32_t tail() const { return q_tail_; }
  bool has_work() const { return q_size_ != 0 && q_head_ != q_tail_ && !halted_; }
  void advance_head() { q_head_ = (q_head_ + 1) & (q_size_ - 1); }
  void count_completion() { ++cq_count_; }
  void set_busy(bool busy) { busy_ = busy; }
  // Commands in flight, or entries between head and tail still to fetch.
  bool busy() const { return busy_ || has_work(); }
  void set_halted(bool halted) { halted_ = halted; }
  void set_reset_pending(bool p) { reset_pending_ = p; }
  bool halted() const { return halted_; }
  bool reset_pending() const { return reset_pending_; }
  void raise(uint32_t irq_bits) { irq_status_ |= irq_bits; }
  bool irq_line() const { return (irq_status_ & irq_mask_) != 0; }
  // Records an error in the ERR_* registers and raises IRQ ERROR.
  void log_error(spec::device::DevStatus code, uint32_t seq, uint64_t addr);
  const std::array<DmaWindow, spec::device::kDmaWindows>& windows() const { return windows_; }
  // Back to power-on values (capabilities stay).
  void reset() { *this = RegisterFile(caps_); }

 private:
  uint32_t read_value(uint32_t offset) const;
  void write_value(uint32_t offset, uint32_t value, Effects& fx);
  bool refuse_while_busy(uint32_t offset);
  uint32_t status_bits() const;

  Capabilities caps_;
  uint64_t q_base_ = 0, cq_base_ = 0;
  uint32_t q_size_ = 0, q_head_ = 0, q_tail_ = 0, cq_count_ = 0;
  uint32_t irq_status_ = 0, irq_mask_ = 0;
  uint32_t err_code_ = 0, err_seq_ = 0, err_count_ = 0;
  uint64_t err_addr_ = 0;
  uint32_t win_sel_ = 0;
  std::array<DmaWindow, spec::device::kDmaWindows> windows_{};
  bool busy_ = false, halted_ = false, reset_pending_ = false;
};

}  // namespace hycim::device
