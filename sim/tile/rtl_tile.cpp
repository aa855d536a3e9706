#include "sim/tile/rtl_tile.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>

#include "Vhycim_tile_default.h"
#include "Vhycim_tile_default___024root.h"
#include "Vhycim_tile_small.h"
#include "Vhycim_tile_small___024root.h"
#include "sim/verilator/harness.hpp"
#include "sim/verilator/port_bits.hpp"

namespace hycim::tile {
namespace {

using verilator::get_field;
using verilator::set_field;

template <class Top>
class RtlTile final : public Tile {
 public:
  RtlTile(const TileConfig& cfg, const RtlTileOptions& opt)
      : cfg_(cfg), sim_(opt.trace_path), timeout_(answer_bound(cfg)) {
    auto& t = sim_.top();
    t.rsp_ready = 1;
    t.cmd_valid = 0;
    t.rst_n = 0;
    sim_.settle();
    sim_.tick();
    t.rst_n = 1;
    sim_.settle();
  }

  const TileConfig& config() const override { return cfg_; }
  uint64_t now() const override { return now_; }

  void execute(const Command& cmd, Result& result) override {
    check_fits_port(cfg_, cmd);
    auto& t = sim_.top();
    drive(cmd);
    t.cmd_valid = 1;
    sim_.settle();
    if (!t.cmd_ready) throw TileError("RTL tile not ready for a command while idle");
    uint64_t cycles = 0;
    do {
      sim_.tick();
      t.cmd_valid = 0;
      if (++cycles > timeout_)
        throw TileError(fmt::format("RTL tile gave no result for {} within {} cycles",
                                    spec::to_string(cmd.op), timeout_));
    } while (!t.rsp_valid);
    now_ += cycles;
    if (t.rsp_cycles != cycles)
      throw TileError(fmt::format("RTL tile reported {} cycles for {}, harness counted {}",
                                  t.rsp_cycles, spec::to_string(cmd.op), cycles));
    result.status = static_cast<Status>(t.rsp_status);
    result.cycles = cycles;
    result.lanes.resize(cfg_.lanes);
    for (uint32_t l = 0; l < cfg_.lanes; ++l)
      result.lanes[l] = static_cast<int32_t>(
          sign_extend(get_field(t.rsp_data, l * cfg_.acc_bits, cfg_.acc_bits)));
  }

  void idle(uint64_t cycles) override {
    sim_.top().cmd_valid = 0;
    for (uint64_t i = 0; i < cycles; ++i) sim_.tick();
    now_ += cycles;
  }

  std::vector<uint8_t> peek_row(uint32_t row) const override {
    if (row >= cfg_.rows()) throw TileError(fmt::format("peek_row: row {} out of range", row));
    const auto& word = mem()[row];
    std::vector<uint8_t> lanes(cfg_.lanes);
    for (uint32_t l = 0; l < cfg_.lanes; ++l)
      lanes[l] = static_cast<uint8_t>(get_field(word, l * cfg_.wbits, cfg_.wbits));
    return lanes;
  }

  void poke_row(uint32_t row, std::span<const uint8_t> lanes) override {
    if (row >= cfg_.rows() || lanes.size() != cfg_.lanes)
      throw TileError(
          fmt::format("poke_row: row {} with {} lanes does not fit", row, lanes.size()));
    auto& word = mem()[row];
    for (uint32_t l = 0; l < cfg_.lanes; ++l) set_field(word, l * cfg_.wbits, cfg_.wbits, lanes[l]);
    sim_.settle();
  }

  uint32_t peek_wear(uint32_t row) const override {
    if (row >= cfg_.nvm_rows) throw TileError(fmt::format("peek_wear: row {} is not NVM", row));
    return wear()[row];
  }

  void poke_wear(uint32_t row, uint32_t value) override {
    if (row >= cfg_.nvm_rows) throw TileError(fmt::format("poke_wear: row {} is not NVM", row));
    wear()[row] = value;
    sim_.settle();
  }

 private:
  // Longest legal command: an MVM over every row at full width, after waiting
  // for a program; anything slower is a hung design.
  static uint64_t answer_bound(const TileConfig& c) {
    return 4 * (2 + c.rows() + uint64_t{c.xbits} * c.rows() + c.nvm_prog_cycles);
  }

  void drive(const Command& c) {
    auto& t = sim_.top();
    t.cmd_op = static_cast<uint8_t>(c.op);
    t.cmd_row = static_cast<uint16_t>(c.row);
    t.cmd_row2 = static_cast<uint16_t>(c.row2);
    t.cmd_count = static_cast<uint16_t>(c.count);
    t.cmd_xbits = c.xbits;
    t.cmd_wbits = c.wbits;
    t.cmd_xsigned = c.xsigned;
    t.cmd_wsigned = c.wsigned;
    for (uint32_t l = 0; l < cfg_.lanes; ++l)
      set_field(t.cmd_data, l * cfg_.wbits, cfg_.wbits, l < c.data.size() ? c.data[l] : 0);
  }

  int64_t sign_extend(uint32_t v) const {
    const unsigned b = cfg_.acc_bits;
    const int64_t x = v;
    return b < 64 && (x >> (b - 1)) & 1 ? x - (int64_t{1} << b) : x;
  }

  auto& mem() const { return sim_.top().rootp->hycim_tile__DOT__u_array__DOT__mem; }
  auto& wear() const { return sim_.top().rootp->hycim_tile__DOT__u_array__DOT__wear; }

  TileConfig cfg_;
  mutable verilator::Harness<Top> sim_;
  uint64_t timeout_;
  uint64_t now_ = 0;
};

std::string numbered_trace_path(const char* base) {
  static std::atomic<unsigned> next{0};  // one waveform file per tile in a process
  const unsigned n = next++;
  return n == 0 ? std::string(base) : fmt::format("{}.{}", base, n);
}

}  // namespace

RtlTileOptions RtlTileOptions::from_environment() {
  RtlTileOptions o;
  if (const char* p = std::getenv("HYCIM_TRACE"); p && *p) o.trace_path = numbered_trace_path(p);
  return o;
}

bool rtl_available(const TileConfig& cfg) {
  return cfg == spec::kSmallTile || cfg == spec::kDefaultTile;
}

std::unique_ptr<Tile> make_rtl_tile(const TileConfig& cfg, const RtlTileOptions& options) {
  if (cfg == spec::kSmallTile) return std::make_unique<RtlTile<Vhycim_tile_small>>(cfg, options);
  if (cfg == spec::kDefaultTile)
    return std::make_unique<RtlTile<Vhycim_tile_default>>(cfg, options);
  throw TileError(fmt::format(
      "no RTL tile verilated for config '{}': the RTL exists for the named configs 'small' and "
      "'default' with their exact parameters; use the fast model for others",
      cfg.name));
}

}  // namespace hycim::tile
