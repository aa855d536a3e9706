// Runs one checked device command on one tile: DMA in, the tile commands it
// stands for, DMA out, with simulated time taken as it goes (tile cycles x
// clock period; DMA per the port). The port is the timing: the SystemC
// device's (called from the tile's SC_THREAD) or the functional device's. The
// record passed check_record() and its host ranges passed the DMA windows, so
// what can still fail here is dynamic: the tile (WORN_OUT), the host bus
// (DMA_ERROR), the NVM image (NVM_IO) and the NVM's cells
// (NVM_UNCORRECTABLE, NVM_PROGRAM_FAILED).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/device_port.hpp"
#include "sim/device/nvm_backing.hpp"
#include "sim/device/nvm_cells.hpp"
#include "sim/device/stats.hpp"
#include "sim/device/timing_config.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::device {

struct Outcome {
  spec::device::DevStatus status = spec::device::DevStatus::kOk;
  uint64_t fault_addr = 0;  // host address of a DMA_ERROR
  Work work;
  // A background scrub the tile ran before the command (it delayed it):
  // the device's own work, not the command's (Stats::record_background).
  Work background;
};

class CommandRunner {
 public:
  // `nvm` may be null (no image: NVM rows live as long as the process);
  // `cells` too (no fault model: the NVM's cells never fail).
  CommandRunner(uint32_t index, tile::Tile& tile, const TimingConfig& timing, NvmBacking* nvm,
                NvmCells* cells = nullptr)
      : index_(index), tile_(tile), timing_(timing), nvm_(nvm), cells_(cells) {}

  Outcome run(const spec::device::CommandRecord& c, DevicePort& port);
  // Scrubs NVM rows [first, first + count) as SCRUB does, outside any
  // command and in no tile time (powered ageing).
  Outcome scrub(uint32_t first, uint32_t count, DevicePort& port);

  // Rows changed behind the runner's back (the device's reset zeroes SRAM):
  // their cached weight-bit counts are stale.
  void forget_row_ones() { row_ones_.clear(); }

 private:
  void write_rows(const spec::device::CommandRecord& c, Outcome& o);
  void read_rows(const spec::device::CommandRecord& c, Outcome& o);
  void read_wear(const spec::device::CommandRecord& c, Outcome& o);
  void mvm(const spec::device::CommandRecord& c, Outcome& o);
  void emul(const spec::device::CommandRecord& c, Outcome& o);
  void scrub_rows(uint32_t first, uint32_t count, Outcome& o, bool timed);
  // The background scrub, when its interval has passed since the last one.
  void background_scrub(Outcome& o);

  // One tile command; adds its cycles. False (status set) when the tile refused it.
  bool execute(const tile::Command& cmd, Outcome& o, tile::Result& r);
  bool dma_read(uint64_t addr, std::span<uint8_t> out, Outcome& o);
  bool dma_write(uint64_t addr, std::span<const uint8_t> in, Outcome& o);
  bool send_lanes(uint64_t addr, const std::vector<int32_t>& lanes, Outcome& o);
  void catch_up();
  // Lets the simulated time of `cycles` tile cycles pass.
  void spend(uint64_t cycles, double at_least_ns = 0);
  void count_mvm_energy(std::span<const uint8_t> x, const spec::device::CommandRecord& c,
                        Outcome& o);
  // Bits set in the low `wbits` bits of row `row`'s lanes: the weight bits an
  // MVM that raises the row feeds its adder trees. Cached for the tile's
  // full width, since an MVM counts them for every row it reads.
  uint64_t row_ones(uint32_t row, uint8_t wbits);
  // Programs one row, with write-verify when the NVM has a fault model, on a
  // spare row when it fails that. False (status set) when the tile refused
  // it or its cells would not take it.
  bool program_row(uint32_t row, const std::vector<uint8_t>& data, Outcome& o, uint64_t& pulses);
  bool pulse_verified(uint32_t row, const std::vector<uint8_t>& data, Outcome& o, uint64_t& pulses,
                      const nvm::SensedRow*& sensed);
  // True when the NVM rows carry SEC-DED (a fault model with ecc: secded):
  // their check cells, the decoders and the encoder then cost energy, and a
  // command reading NVM rows the decode stage's cycles.
  bool secded() const { return cells_ && cells_->config().setup.ecc == nvm::Protection::kSecded; }
  // Rows of [first, first + count) that are NVM rows (read through the decoders).
  uint32_t nvm_rows_in(uint32_t first, uint32_t count) const;
  // The decode stage's cycles, once for a command that read rows [first,
  // first + count) when some are NVM rows and they carry SEC-DED (pipelined:
  // it delays the last result, not each row).
  void add_decode_cycles(uint32_t first, uint32_t count, Outcome& o);
  // The fault model's check before rows [first, first + count) are read.
  // False (status NVM_UNCORRECTABLE, ERR_ADDR tile << 32 | row) when one of
  // them must not be used.
  bool rows_readable(uint32_t first, uint32_t count, Outcome& o);

  uint32_t index_;
  tile::Tile& tile_;
  const TimingConfig& timing_;
  NvmBacking* nvm_;
  NvmCells* cells_;
  DevicePort* port_ = nullptr;      // the one of the command running now
  double next_scrub_ns_ = -1;       // when the background scrub is due; < 0: not yet set
  std::vector<int32_t> row_ones_;   // per row; -1: not counted since it last changed
  std::vector<uint8_t> mvm_input_;  // mvm()'s scratch
  tile::Command sram_write_;
  tile::Result result_;
};

}  // namespace hycim::device
