#include "sim/device/command_runner.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>

#include "sim/device/command_check.hpp"

namespace hycim::device {
namespace {

namespace sd = spec::device;
using sd::DevOpcode;
using sd::DevStatus;

uint32_t width_mask(uint8_t bits) {
  return bits >= 32 ? ~0u : (1u << bits) - 1;
}

// Bits set in each byte value. std::popcount is a libgcc call on a build for
// the baseline x86-64 (no POPCNT), and the energy count runs it for every
// input byte of every MVM; a masked byte indexes this table instead.
constexpr std::array<uint8_t, 256> kOnes = [] {
  std::array<uint8_t, 256> t{};
  for (int v = 0; v < 256; ++v) t[size_t(v)] = uint8_t(std::popcount(unsigned(v)));
  return t;
}();

}  // namespace

Outcome CommandRunner::run(const sd::CommandRecord& c, DevicePort& port) {
  port_ = &port;
  Outcome o;
  background_scrub(o);
  switch (static_cast<DevOpcode>(c.opcode)) {
    case DevOpcode::kWriteSram:
    case DevOpcode::kProgramNvm:
      write_rows(c, o);
      break;
    case DevOpcode::kReadSram:
      read_rows(c, o);
      break;
    case DevOpcode::kReadWear:
      read_wear(c, o);
      break;
    case DevOpcode::kMvm:
      mvm(c, o);
      break;
    case DevOpcode::kEmul:
      emul(c, o);
      break;
    case DevOpcode::kScrub:
      scrub_rows(c.row, c.count, o, true);
      break;
    case DevOpcode::kNop:
    case DevOpcode::kFence:
      break;  // handled by the command processor
  }
  return o;
}

// The tile keeps its own clock; it is brought up to the device's simulated
// time (whole cycles) before each tile command, so tile.now() and an RTL
// waveform's time axis follow the device's time, and the idle cycles (DMA waits,
// host pauses) pass inside the tile too. Both kinds idle alike, so results
// and cycle counts stay identical.
void CommandRunner::catch_up() {
  const double ns = port_->now_ns();
  // The small epsilon keeps an exact multiple of the period from rounding down.
  const auto target = static_cast<uint64_t>(ns / timing_.period_ns() + 1e-6);
  if (target > tile_.now()) tile_.idle(target - tile_.now());
}

bool CommandRunner::execute(const tile::Command& cmd, Outcome& o, tile::Result& r) {
  catch_up();
  tile_.execute(cmd, r);
  const bool writes = cmd.op == tile::Opcode::kWriteSram || cmd.op == tile::Opcode::kProgramNvm;
  if (writes && cmd.row < row_ones_.size()) row_ones_[cmd.row] = -1;
  o.work.cycles += r.cycles;
  o.status = from_tile(r.status);
  return r.status == tile::Status::kOk;
}

bool CommandRunner::dma_read(uint64_t addr, std::span<uint8_t> out, Outcome& o) {
  o.work.dma_bytes += out.size();
  o.work.energy_pj.dma += double(out.size()) * timing_.energy_pj.dma_byte;
  o.status = port_->dma_read(addr, out);
  if (o.status != DevStatus::kOk) o.fault_addr = addr;
  return o.status == DevStatus::kOk;
}

bool CommandRunner::dma_write(uint64_t addr, std::span<const uint8_t> in, Outcome& o) {
  o.work.dma_bytes += in.size();
  o.work.energy_pj.dma += double(in.size()) * timing_.energy_pj.dma_byte;
  o.status = port_->dma_write(addr, in);
  if (o.status != DevStatus::kOk) o.fault_addr = addr;
  return o.status == DevStatus::kOk;
}

bool CommandRunner::send_lanes(uint64_t addr, const std::vector<int32_t>& lanes, Outcome& o) {
  // Records are little-endian, as the host is.
  return dma_write(
      addr,
      std::span(reinterpret_cast<const uint8_t*>(lanes.data()), lanes.size() * sizeof(int32_t)), o);
}

void CommandRunner::spend(uint64_t cycles, double at_least_ns) {
  const double ns = std::max(double(cycles) * timing_.period_ns(), at_least_ns);
  port_->wait_ns(ns);
}

// Pulses of one row: a tile PROGRAM_NVM; with a fault model, the row is read
// back (write-verify, as Intel's 22FFL STT-MRAM does [Wei ISSCC'19]) once
// its pulse is over (SYNC) and programmed again while its cells disagree
// with the data, up to verify_retries more pulses. `sensed` is the last
// read-back (null without a fault model).
bool CommandRunner::pulse_verified(uint32_t row, const std::vector<uint8_t>& data, Outcome& o,
                                   uint64_t& pulses, const nvm::SensedRow*& sensed) {
  const uint32_t lanes = tile_.config().lanes;
  tile::Result r;
  const uint32_t tries = cells_ ? 1 + cells_->config().verify_retries : 1;
  sensed = nullptr;
  for (uint32_t attempt = 0; attempt < tries; ++attempt) {
    if (attempt > 0) ++o.work.ecc.retries;
    if (!execute(tile::Command::program_nvm(row, data), o, r)) return false;
    ++pulses;
    o.work.energy_pj.nvm_program += lanes * timing_.energy_pj.nvm_program_byte;
    if (secded()) o.work.energy_pj.ecc += timing_.energy_pj.ecc_row_program;
    if (!cells_) break;
    // Read back once the pulse is over: the RTL writes the row when its
    // program engine finishes, so the cells' contents go in after that.
    if (!execute(tile::Command::sync(), o, r)) return false;
    sensed = &cells_->programmed(index_, row, data, port_->now_ns(), tile_);
    if (sensed->wrong_bits == 0) break;
  }
  return true;
}

// One row, stored in the image. A row whose cells still disagree after the
// retries, or that is worn out, moves to the tile's next free spare row and
// is programmed there (the image stores the move with the data, so a crash
// leaves it in its old place with its old contents, or on the spare with
// the new ones). A row left with more bad bits than the ECC corrects fails
// the command.
bool CommandRunner::program_row(uint32_t row, const std::vector<uint8_t>& data, Outcome& o,
                                uint64_t& pulses) {
  const nvm::SensedRow* sensed = nullptr;
  // The image's wear counts pulses, as the tile's does.
  uint64_t before = pulses;
  bool ok = pulse_verified(row, data, o, pulses, sensed);
  bool moved = false;
  while (cells_ && (ok ? sensed && sensed->wrong_bits > 0 : o.status == DevStatus::kTileWornOut) &&
         cells_->remap(index_, row, tile_)) {
    ++o.work.ecc.remapped;
    moved = true;
    o.status = DevStatus::kOk;
    before = pulses;
    ok = pulse_verified(row, data, o, pulses, sensed);
    if (!ok) continue;  // a worn spare moves on to the next one
    if (nvm_ && !nvm_->remap(index_, row, data, cells_->clock_at(port_->now_ns()),
                             static_cast<uint32_t>(pulses - before))) {
      o.status = DevStatus::kNvmIo;
      return false;
    }
  }
  if (!ok) return false;
  const float at = cells_ ? cells_->clock_at(port_->now_ns()) : 0;
  if (!moved && nvm_ &&
      !nvm_->store(index_, row, data, at, static_cast<uint32_t>(pulses - before))) {
    o.status = DevStatus::kNvmIo;
    return false;
  }
  if (sensed && sensed->wrong_bits > 0 &&
      (sensed->health == nvm::RowHealth::kUncorrectable ||
       cells_->config().setup.ecc == nvm::Protection::kNone)) {
    o.status = DevStatus::kNvmProgramFailed;
    o.fault_addr = uint64_t{index_} << 32 | row;
    return false;
  }
  return true;
}

uint32_t CommandRunner::nvm_rows_in(uint32_t first, uint32_t count) const {
  const uint32_t nvm = tile_.config().nvm_rows;
  return first >= nvm ? 0 : std::min(count, nvm - first);
}

void CommandRunner::add_decode_cycles(uint32_t first, uint32_t count, Outcome& o) {
  if (secded() && nvm_rows_in(first, count) > 0)
    o.work.cycles += static_cast<uint64_t>(timing_.ecc_decode_cycles);
}

bool CommandRunner::rows_readable(uint32_t first, uint32_t count, Outcome& o) {
  if (!cells_) return true;
  catch_up();
  const std::optional<uint32_t> bad =
      cells_->read(index_, first, count, port_->now_ns(), tile_, o.work.ecc);
  if (cells_->take_changed(index_)) row_ones_.clear();
  if (!bad) return true;
  o.status = DevStatus::kNvmUncorrectable;
  o.fault_addr = uint64_t{index_} << 32 | *bad;
  return false;
}

// WRITE_SRAM and PROGRAM_NVM: one DMA read of all rows, then one tile command
// per row. PROGRAM_NVM ends with SYNC, so its completion means every row is
// programmed (readable, and stored in the image); the program engine is busy
// at least nvm_program_ns per row even when NVM_PROG_CYCLES is shorter.
void CommandRunner::write_rows(const sd::CommandRecord& c, Outcome& o) {
  const uint32_t lanes = tile_.config().lanes;
  const bool program = c.opcode == static_cast<uint8_t>(DevOpcode::kProgramNvm);
  std::vector<uint8_t> buf(size_t{c.count} * lanes);
  if (!dma_read(c.host_addr, buf, o)) return;
  tile::Result r;
  uint64_t programmed = 0;
  for (uint32_t i = 0; i < c.count; ++i) {
    std::vector<uint8_t> row(buf.begin() + size_t{i} * lanes, buf.begin() + size_t{i + 1} * lanes);
    if (!program) {
      if (!execute(tile::Command::write_sram(c.row + i, row), o, r)) break;
      o.work.energy_pj.sram += lanes * timing_.energy_pj.sram_byte;
      continue;
    }
    if (!program_row(c.row + i, row, o, programmed)) break;
  }
  o.work.nvm_programs = programmed;
  if (program) {
    const DevStatus st = o.status;
    execute(tile::Command::sync(), o, r);  // also after an error: no row left busy
    o.status = st;
  }
  spend(o.work.cycles, double(programmed) * timing_.nvm_program_ns);
}

// SCRUB: the scrub engine first reads each row ever programmed through the
// ECC (a cycle a row, the tile's array busy); then each row the ECC
// corrected is read out and programmed again with the corrected data, which
// resets its retention clock and clears the error before a second one in
// the row would make it uncorrectable. A corrected row costs a program
// pulse (wear). Without a fault model no row ever holds an error: only the
// reads. `timed` false (powered ageing): the reads take no tile time.
void CommandRunner::scrub_rows(uint32_t first, uint32_t count, Outcome& o, bool timed) {
  const uint32_t lanes = tile_.config().lanes;
  std::vector<uint32_t> corrected;
  std::optional<uint32_t> bad;
  uint64_t reads = 0;
  for (uint32_t row = first; row < first + count; ++row) {
    if (tile_.peek_wear(row) == 0) continue;  // never programmed: nothing to keep
    ++reads;
    if (!cells_) continue;
    if (cells_->read(index_, row, 1, port_->now_ns(), tile_, o.work.ecc)) {
      if (!bad) bad = row;
    } else if (cells_->health(index_, row) == nvm::RowHealth::kCorrected) {
      corrected.push_back(row);
    }
  }
  if (cells_ && cells_->take_changed(index_)) row_ones_.clear();
  o.work.cycles += reads;
  o.work.energy_pj.sram += double(reads) * lanes * timing_.energy_pj.sram_byte;
  if (secded()) o.work.energy_pj.ecc += double(reads) * timing_.energy_pj.ecc_row_read;
  if (timed) {
    catch_up();
    tile_.idle(reads);
  }
  tile::Result r;
  uint64_t pulses = 0;
  for (uint32_t row : corrected) {
    if (!execute(tile::Command::read_row(row), o, r)) break;
    std::vector<uint8_t> data(lanes);
    for (uint32_t l = 0; l < lanes; ++l) data[l] = uint8_t(r.lanes[l]);
    if (!program_row(row, data, o, pulses)) break;
    ++o.work.ecc.scrubbed;
  }
  o.work.nvm_programs += pulses;
  if (pulses) {
    const DevStatus st = o.status;
    execute(tile::Command::sync(), o, r);
    o.status = st;
  }
  spend(o.work.cycles, double(pulses) * timing_.nvm_program_ns);
  if (bad && o.status == DevStatus::kOk) {
    o.status = DevStatus::kNvmUncorrectable;
    o.fault_addr = uint64_t{index_} << 32 | *bad;
  }
}

Outcome CommandRunner::scrub(uint32_t first, uint32_t count, DevicePort& port) {
  port_ = &port;
  Outcome o;
  scrub_rows(first, count, o, false);
  return o;
}

// The device's own scrub (FaultConfig::scrub_interval_s) runs on a tile when
// a command reaches it after the interval has passed: a tile that gets no
// commands does nothing, so an idle device costs nothing to simulate. What
// it finds uncorrectable is refused when a command reads the row.
void CommandRunner::background_scrub(Outcome& o) {
  if (!cells_ || cells_->config().scrub_interval_s <= 0) return;
  const double interval_ns = cells_->config().scrub_interval_s * 1e9;
  const double now = port_->now_ns();
  if (next_scrub_ns_ < 0) next_scrub_ns_ = interval_ns;
  if (now < next_scrub_ns_) return;
  Outcome bg;
  scrub_rows(0, tile_.config().nvm_rows, bg, true);
  o.background = bg.work;
  next_scrub_ns_ = now + interval_ns;
}

void CommandRunner::read_rows(const sd::CommandRecord& c, Outcome& o) {
  const uint32_t lanes = tile_.config().lanes;
  std::vector<uint8_t> buf(size_t{c.count} * lanes);
  tile::Result r;
  if (!rows_readable(c.row, c.count, o)) return;
  for (uint32_t i = 0; i < c.count; ++i) {
    if (!execute(tile::Command::read_row(c.row + i), o, r)) break;
    // READ_ROW answers the raw lane bits zero-extended: they fit a byte.
    for (uint32_t l = 0; l < lanes; ++l) buf[size_t{i} * lanes + l] = uint8_t(r.lanes[l]);
    o.work.energy_pj.sram += lanes * timing_.energy_pj.sram_byte;
    if (secded() && nvm_rows_in(c.row + i, 1))
      o.work.energy_pj.ecc += timing_.energy_pj.ecc_row_read;
  }
  if (o.status == DevStatus::kOk) add_decode_cycles(c.row, c.count, o);
  spend(o.work.cycles);
  if (o.status == DevStatus::kOk) dma_write(c.host_addr2, buf, o);
}

void CommandRunner::read_wear(const sd::CommandRecord& c, Outcome& o) {
  std::vector<uint8_t> buf(size_t{c.count} * sizeof(uint32_t));
  tile::Result r;
  for (uint32_t i = 0; i < c.count; ++i) {
    if (!execute(tile::Command::read_wear(c.row + i), o, r)) break;
    const uint32_t wear = static_cast<uint32_t>(r.lanes[0]);
    std::memcpy(&buf[size_t{i} * sizeof(uint32_t)], &wear, sizeof wear);
  }
  spend(o.work.cycles);
  if (o.status == DevStatus::kOk) dma_write(c.host_addr2, buf, o);
}

uint64_t CommandRunner::row_ones(uint32_t row, uint8_t wbits) {
  const uint32_t full = tile_.config().wbits;
  auto count = [&](uint32_t mask) {
    uint64_t n = 0;
    for (uint8_t b : tile_.peek_row(row)) n += kOnes[b & mask];
    return n;
  };
  if (wbits < full) return count(width_mask(wbits));  // a narrower MVM: rare, not cached
  if (row_ones_.empty()) row_ones_.assign(tile_.config().rows(), -1);
  int32_t& cached = row_ones_.at(row);
  if (cached >= 0) return static_cast<uint64_t>(cached);
  cached = static_cast<int32_t>(count(width_mask(uint8_t(full))));
  return static_cast<uint64_t>(cached);
}

// Energy of one MVM from its data (docs/device.md, "Energy"): a row is raised
// in plane b when its input has bit b set; every raised row reads LANES
// weights, and each of their 1 bits switches the lane's adder tree; every
// plane shift-adds LANES accumulators; the inputs are latched row by row.
// Counted from the data here, above the tile, so the model and the RTL report
// the same energy for the same stream. With SEC-DED each raised NVM row also
// reads its check cells and switches its decoder's syndrome trees.
void CommandRunner::count_mvm_energy(std::span<const uint8_t> x, const sd::CommandRecord& c,
                                     Outcome& o) {
  const spec::TileConfig& t = tile_.config();
  const uint32_t lanes = t.lanes;
  const uint32_t xmask = width_mask(c.xbits);
  uint64_t raised = 0, ones = 0, nvm_raised = 0;
  if (c.wbits >= t.wbits) {
    // Every row's count cached first, so the loop over the inputs (every
    // input of every MVM) has no branch on the data.
    // The tile ran the MVM, so its rows [row, row + count) exist.
    if (row_ones_.empty()) row_ones_.assign(t.rows(), -1);
    const int32_t* cached = row_ones_.data() + c.row;
    for (size_t k = 0; k < x.size(); ++k)
      if (cached[k] < 0) row_ones(c.row + static_cast<uint32_t>(k), c.wbits);
    for (size_t k = 0; k < x.size(); ++k) {
      const uint32_t set = kOnes[x[k] & xmask];
      raised += set;
      ones += uint64_t{set} * static_cast<uint32_t>(cached[k]);
    }
  } else {
    for (size_t k = 0; k < x.size(); ++k) {
      const uint32_t set = kOnes[x[k] & xmask];
      raised += set;
      if (set) ones += uint64_t{set} * row_ones(c.row + static_cast<uint32_t>(k), c.wbits);
    }
  }
  if (secded())
    for (size_t k = 0; k < nvm_rows_in(c.row, static_cast<uint32_t>(x.size())); ++k)
      nvm_raised += kOnes[x[k] & xmask];
  const EnergyPj& e = timing_.energy_pj;
  o.work.row_activations += raised;
  o.work.macs += uint64_t{c.count} * lanes;
  o.work.energy_pj.array += double(raised) * lanes * e.lane_add + double(ones) * e.weight_one;
  o.work.energy_pj.shift_add += double(c.xbits) * lanes * e.shift_add;
  o.work.energy_pj.sram += double(input_rows(c.count, tile_.config())) * lanes * e.sram_byte;
  if (secded()) o.work.energy_pj.ecc += double(nvm_raised) * e.ecc_row_read;
}

// MVM: the input vector goes into SRAM rows row2.. (zero-padded to whole
// rows, one WRITE_SRAM each) unless INPUT_IN_SRAM, then one tile MVM.
void CommandRunner::mvm(const sd::CommandRecord& c, Outcome& o) {
  const spec::TileConfig& t = tile_.config();
  const uint32_t nrows = input_rows(c.count, t);
  // Scratch kept between commands: an MVM allocates nothing once warm.
  std::vector<uint8_t>& x = mvm_input_;
  x.assign(size_t{nrows} * t.lanes, 0);
  tile::Result& r = result_;
  if (c.flags & sd::cmd_flags::kInputInSram) {
    for (uint32_t i = 0; i < nrows; ++i) {
      const auto row = tile_.peek_row(c.row2 + i);  // only to count energy
      std::copy(row.begin(), row.end(), x.begin() + size_t{i} * t.lanes);
    }
  } else {
    if (!dma_read(c.host_addr, std::span(x).first(c.count), o)) return;
    tile::Command& w = sram_write_;
    w.op = tile::Opcode::kWriteSram;
    for (uint32_t i = 0; i < nrows; ++i) {
      w.row = c.row2 + i;
      w.data.assign(x.begin() + size_t{i} * t.lanes, x.begin() + size_t{i + 1} * t.lanes);
      if (!execute(w, o, r)) return spend(o.work.cycles);
      o.work.energy_pj.sram += t.lanes * timing_.energy_pj.sram_byte;
    }
  }
  if (!rows_readable(c.row, c.count, o)) return spend(o.work.cycles);
  const bool ok =
      execute(tile::Command::mvm(c.row, c.count, c.row2, c.xbits, c.flags & sd::cmd_flags::kXsigned,
                                 c.wbits, c.flags & sd::cmd_flags::kWsigned),
              o, r);
  if (ok) {
    count_mvm_energy(std::span(x).first(c.count), c, o);
    add_decode_cycles(c.row, c.count, o);
  }
  spend(o.work.cycles);
  if (ok) send_lanes(c.host_addr2, r.lanes, o);
}

void CommandRunner::emul(const sd::CommandRecord& c, Outcome& o) {
  const uint32_t lanes = tile_.config().lanes;
  tile::Result r;
  if (!rows_readable(c.row, 1, o)) return;
  const bool ok =
      execute(tile::Command::emul(c.row, c.row2, c.xbits, c.flags & sd::cmd_flags::kXsigned,
                                  c.wbits, c.flags & sd::cmd_flags::kWsigned),
              o, r);
  if (ok) {
    // Lane l adds A[l] once per set bit of B[l]: the same events as an MVM's.
    uint64_t adds = 0, ones = 0;
    const std::vector<uint8_t> a = tile_.peek_row(c.row), b = tile_.peek_row(c.row2);
    for (uint32_t l = 0; l < lanes; ++l) {
      const int set = std::popcount(uint32_t{b[l]} & width_mask(c.xbits));
      adds += set;
      ones += uint64_t(set) * std::popcount(uint32_t{a[l]} & width_mask(c.wbits));
    }
    o.work.row_activations += c.xbits;
    o.work.macs += lanes;
    o.work.energy_pj.array +=
        double(adds) * timing_.energy_pj.lane_add + double(ones) * timing_.energy_pj.weight_one;
    o.work.energy_pj.shift_add += double(c.xbits) * lanes * timing_.energy_pj.shift_add;
    // Row A goes through its decoder in every plane, whatever B's bits.
    if (secded()) o.work.energy_pj.ecc += double(c.xbits) * timing_.energy_pj.ecc_row_read;
    add_decode_cycles(c.row, 1, o);
  }
  spend(o.work.cycles);
  if (ok) send_lanes(c.host_addr2, r.lanes, o);
}

}  // namespace hycim::device
