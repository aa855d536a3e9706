#include "sim/tile/tile_model.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/tile/lane_value.hpp"
#include "sim/tile/tile_timing.hpp"

namespace hycim::tile {
TileModel::TileModel(const TileConfig& cfg, MvmKernel kernel) : cfg_(cfg), kernel_(kernel) {
  validate(cfg_);
  require_mvm_kernel(kernel_);
  mem_.assign(size_t{cfg_.rows()} * cfg_.lanes, 0);
  if (kernel_ != MvmKernel::kPortable) packed_ = PackedRows(cfg_.rows(), cfg_.lanes);
  scratch_.assign(mvm_scratch_size(cfg_.rows()), 0);
  wear_.assign(cfg_.nvm_rows, 0);
}

Status TileModel::check(const Command& c) const {
  const uint32_t nvm = cfg_.nvm_rows, rows = cfg_.rows();
  auto sram = [&](uint32_t r) { return r >= nvm && r < rows; };
  auto widths_ok = [&] {
    return c.xbits >= 1 && c.xbits <= cfg_.xbits && c.wbits >= 1 && c.wbits <= cfg_.wbits;
  };
  switch (c.op) {
    case Opcode::kNop:
    case Opcode::kSync:
      return Status::kOk;
    case Opcode::kWriteSram:
      return sram(c.row) ? Status::kOk : Status::kRowRange;
    case Opcode::kProgramNvm:
      if (c.row >= nvm) return Status::kRowRange;
      return wear_[c.row] >= cfg_.nvm_endurance ? Status::kWornOut : Status::kOk;
    case Opcode::kReadRow:
      if (c.row >= rows) return Status::kRowRange;
      return busy(c.row) ? Status::kRowBusy : Status::kOk;
    case Opcode::kReadWear:
      return c.row < nvm ? Status::kOk : Status::kRowRange;
    case Opcode::kMvm: {
      if (!widths_ok()) return Status::kBadWidth;
      if (c.count == 0) return Status::kBadCount;
      const uint64_t x_rows = timing::ceil_div(c.count, cfg_.lanes);
      if (uint64_t{c.row} + c.count > rows || !sram(c.row2) || c.row2 + x_rows > rows)
        return Status::kRowRange;
      return busy_in(c.row, c.count) ? Status::kRowBusy : Status::kOk;
    }
    case Opcode::kEmul:
      if (!widths_ok()) return Status::kBadWidth;
      if (c.row >= nvm || !sram(c.row2)) return Status::kRowRange;
      return busy(c.row) ? Status::kRowBusy : Status::kOk;
  }
  return Status::kBadOpcode;
}

void TileModel::execute(const Command& cmd, Result& result) {
  check_fits_port(cfg_, cmd);
  result.lanes.assign(cfg_.lanes, 0);
  result.status = check(cmd);
  result.cycles = result.status == Status::kOk ? run(cmd, result) : timing::kSimpleCycles;
  now_ += result.cycles;
}

uint64_t TileModel::run(const Command& c, Result& r) {
  switch (c.op) {
    case Opcode::kWriteSram:
      store(c.row, c.data);
      return timing::kSimpleCycles;
    case Opcode::kProgramNvm:
      return run_program(c);
    case Opcode::kReadRow:
      for (uint32_t l = 0; l < cfg_.lanes; ++l) r.lanes[l] = row_ptr(c.row)[l];
      return timing::kSimpleCycles;
    case Opcode::kReadWear:
      r.lanes[0] = static_cast<int32_t>(wear_[c.row]);
      return timing::kSimpleCycles;
    case Opcode::kSync:
      return timing::program_cycles(prog_done_, now_);
    case Opcode::kMvm:
      return run_mvm(c, r);
    case Opcode::kEmul:
      return run_emul(c, r);
    case Opcode::kNop:
      break;
  }
  return timing::kSimpleCycles;
}

uint64_t TileModel::run_program(const Command& c) {
  const uint64_t cycles = timing::program_cycles(prog_done_, now_);
  const uint64_t start = now_ + cycles - 1;  // the edge at which the engine takes the row
  store(c.row, c.data);
  ++wear_[c.row];
  prog_row_ = c.row;
  prog_done_ = timing::program_done(cfg_, start);
  return cycles;
}

uint64_t TileModel::run_mvm(const Command& c, Result& r) {
  // Inputs are consecutive lanes of consecutive rows, so one contiguous run
  // of bytes from the first input row.
  const ArrayView arrays{mem_.data(), &packed_, cfg_.lanes};
  const MvmOperands op{c.row,   c.count,   row_ptr(c.row2), c.xbits,
                       c.wbits, c.xsigned, c.wsigned,       scratch_.data()};
  run_mvm_kernel(kernel_, arrays, op, r.lanes.data());
  // The formula divides twice; a layer's MVMs repeat one shape, so the last
  // answer is kept.
  if (c.count != last_shape_.count || c.xbits != last_shape_.xbits)
    last_shape_ = {c.count, c.xbits, timing::mvm_cycles(cfg_, c.count, c.xbits)};
  return last_shape_.cycles;
}

uint64_t TileModel::run_emul(const Command& c, Result& r) const {
  const LaneDecoder da(c.wbits, c.wsigned), db(c.xbits, c.xsigned);
  run_emul_kernel(kernel_, row_ptr(c.row), da, row_ptr(c.row2), db, cfg_.lanes, r.lanes.data());
  return timing::emul_cycles(c.xbits);
}

void TileModel::store(uint32_t row, std::span<const uint8_t> lanes) {
  const uint8_t mask = static_cast<uint8_t>((1u << cfg_.wbits) - 1);
  std::transform(lanes.begin(), lanes.end(), row_ptr(row), [&](uint8_t v) { return v & mask; });
  if (kernel_ != MvmKernel::kPortable) packed_.store(row, row_ptr(row));
}

std::vector<uint8_t> TileModel::peek_row(uint32_t row) const {
  if (row >= cfg_.rows()) throw TileError(fmt::format("peek_row: row {} out of range", row));
  return {row_ptr(row), row_ptr(row) + cfg_.lanes};
}

void TileModel::poke_row(uint32_t row, std::span<const uint8_t> lanes) {
  if (row >= cfg_.rows() || lanes.size() != cfg_.lanes)
    throw TileError(fmt::format("poke_row: row {} with {} lanes does not fit", row, lanes.size()));
  store(row, lanes);
}

uint32_t TileModel::peek_wear(uint32_t row) const {
  if (row >= cfg_.nvm_rows) throw TileError(fmt::format("peek_wear: row {} is not NVM", row));
  return wear_[row];
}

void TileModel::poke_wear(uint32_t row, uint32_t wear) {
  if (row >= cfg_.nvm_rows) throw TileError(fmt::format("poke_wear: row {} is not NVM", row));
  wear_[row] = wear;
}

}  // namespace hycim::tile
