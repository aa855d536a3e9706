// Mapping a weight matrix onto tiles. A K x N matrix is cut into blocks of at
// most max_k rows (partial sums of row blocks are added on the host) and
// `lanes` columns, each packed as whole NVM rows (unused lanes hold zero
// weights). A block is either resident (it has a home: tile and first row,
// chosen by NvmResidency, densely) or streamed (no home: it is programmed
// into the WeightStream's region for each multiply, group by group).
// multiply() hands every block x every input row to the engine as one batch,
// so blocks on different tiles run side by side. The plan is plain data,
// printed by `hycim run --plan`.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"
#include "runtime/cim/weight_stream.hpp"

namespace hycim::cim {

struct Block {
  uint32_t k0 = 0, k1 = 0;     // weight rows [k0, k1)
  uint32_t n0 = 0, n1 = 0;     // weight columns [n0, n1) -> lanes [0, n1-n0)
  bool resident = false;       // else streamed
  uint32_t tile = 0, row = 0;  // resident: first NVM row of the block on that tile
  uint32_t rows() const { return k1 - k0; }
};

// One weight matrix on the tiles.
class CimMatrix {
 public:
  // `w` is K x N row-major, 8-bit patterns read as int8 when wsigned else
  // uint8. Cuts and packs the blocks; places nothing.
  CimMatrix(MvmEngine& engine, std::span<const uint8_t> w, uint32_t k, uint32_t n, bool wsigned,
            std::string name);
  // Places every block now, one after another (constant weights are
  // catalogued and may be found resident; others take scratch rows of
  // `owner`). Throws EngineError when one finds no room.
  void place(NvmResidency& residency, bool constant, const void* owner);
  // Block i's packed rows, and giving it a home (a placement plan).
  std::span<const uint8_t> block_rows(size_t i) const;
  void set_home(size_t i, uint32_t tile, uint32_t row);
  // Streamed blocks are programmed through `stream` at each multiply.
  void stream_through(WeightStream* stream) { stream_ = stream; }

  // c (M x N, overwritten) = a (M x K, 8-bit patterns) . W, exactly, in int32.
  // The MVMs of resident blocks go to `via` when given (a GatheringEngine
  // batching them with other callers'), else to the engine that holds W. A
  // block the device refuses (UncorrectableError) is reprogrammed from its
  // host rows and the batch run again, once per block, said on stderr.
  void multiply(std::span<const uint8_t> a, uint32_t m, bool asigned, std::span<int32_t> c,
                MvmEngine* via = nullptr) const;

  const std::vector<Block>& blocks() const { return blocks_; }
  const std::string& name() const { return name_; }
  uint32_t k() const { return k_; }
  uint32_t n() const { return n_; }
  uint64_t rows() const;           // NVM rows of all blocks
  uint64_t streamed_rows() const;  // of the streamed ones

 private:
  void run_resident(std::span<const MvmJob> jobs, MvmEngine* via) const;

  MvmEngine& engine_;
  std::string name_;
  uint32_t k_, n_;
  bool wsigned_;
  std::vector<Block> blocks_;
  std::vector<uint8_t> packed_;  // every block's rows, in block order
  std::vector<size_t> offset_;   // block i's first byte in packed_
  WeightStream* stream_ = nullptr;
};

// "fc1.weight 64x64: k[0,64) n[0,32) -> tile 0 rows 0..63; ..." one line per
// matrix; streamed blocks read "-> streamed".
std::string describe(const CimMatrix& m);

}  // namespace hycim::cim
