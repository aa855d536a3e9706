// The tile interface: one command in, one result out, the tile's clock advanced
// by exactly the cycles the command took. The fast C++ model (tile_model.hpp)
// and the Verilated RTL (rtl_tile.hpp) implement it and must agree bit for bit
// and cycle for cycle; the device layer (sim/device) talks only to this header.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "hycim/spec/tile_spec.hpp"

namespace hycim::tile {

using spec::Opcode;
using spec::Status;
using spec::TileConfig;

// One tile command, as on the RTL's command port (docs/device.md, "Tile commands").
struct Command {
  Opcode op = Opcode::kNop;
  uint32_t row = 0;    // target row / first weight row / NVM multiplicand row
  uint32_t row2 = 0;   // MVM: first input row; EMUL: SRAM multiplier row
  uint32_t count = 0;  // MVM: number of weight rows K
  uint8_t xbits = 0;   // input (multiplier) bit width
  uint8_t wbits = 0;   // weight (multiplicand) bit width
  bool xsigned = false;
  bool wsigned = false;
  std::vector<uint8_t> data;  // WRITE_SRAM/PROGRAM_NVM: LANES lane values, low WBITS bits used

  static Command nop() { return {}; }
  static Command write_sram(uint32_t row, std::vector<uint8_t> data);
  static Command program_nvm(uint32_t row, std::vector<uint8_t> data);
  static Command read_row(uint32_t row);
  static Command read_wear(uint32_t row);
  static Command sync();
  static Command mvm(uint32_t w_row, uint32_t k, uint32_t x_row, uint8_t xbits, bool xsigned,
                     uint8_t wbits, bool wsigned);
  static Command emul(uint32_t nvm_row, uint32_t sram_row, uint8_t xbits, bool xsigned,
                      uint8_t wbits, bool wsigned);
};

struct Result {
  Status status = Status::kOk;
  uint64_t cycles = 0;         // cycles from acceptance to the result, see docs/device.md
  std::vector<int32_t> lanes;  // LANES accumulator lanes (ACC_BITS, sign-extended); 0 on error
};

// Thrown for misuse of the C++ API itself (bad config, wrong data size, a
// Verilated tile that stopped answering) - never for a command the tile rejects,
// which is a Status in the Result.
struct TileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Tile {
 public:
  virtual ~Tile() = default;
  virtual const TileConfig& config() const = 0;
  // Runs one command accepted at cycle now(); afterwards now() has advanced by
  // result.cycles.
  virtual void execute(const Command& cmd, Result& result) = 0;
  Result execute(const Command& cmd) {
    Result r;
    execute(cmd, r);
    return r;
  }
  // Lets `cycles` cycles pass with no command (the NVM program engine runs on).
  virtual void idle(uint64_t cycles) = 0;
  // Cycles since reset.
  virtual uint64_t now() const = 0;

  // Backdoor access, used to restore NVM contents from an image at power-on and
  // to compare whole-array state in tests. Takes no cycles, changes no wear.
  virtual std::vector<uint8_t> peek_row(uint32_t row) const = 0;
  virtual void poke_row(uint32_t row, std::span<const uint8_t> lanes) = 0;
  virtual uint32_t peek_wear(uint32_t row) const = 0;
  virtual void poke_wear(uint32_t row, uint32_t wear) = 0;
};

// Throws TileError naming the parameter when a configuration is not buildable
// (widths above 8, an accumulator too narrow for the array, rows beyond the
// port's address width, ...).
void validate(const TileConfig& cfg);

// Throws TileError when a command cannot even be put on the tile's port: a
// field wider than the port (spec "port"), or write data that is not LANES
// values. Both tile kinds call it, so they refuse the same commands.
void check_fits_port(const TileConfig& cfg, const Command& cmd);

// The named configurations of spec/hycim.json; throws TileError listing them
// when `name` is unknown.
const TileConfig& named_config(const std::string& name);

}  // namespace hycim::tile
