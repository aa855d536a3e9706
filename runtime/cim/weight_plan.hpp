// Mapping a weight matrix onto tiles. A K x N matrix is cut into blocks of at
// most max_k rows (partial sums of row blocks are added on the host) and
// `lanes` columns; NvmResidency puts blocks on the tiles in turn, so the
// blocks of one layer sit on different tiles, and multiply() hands every
// block x every input row to the engine as one batch, so they run side by
// side. The plan is plain data, printed by `hycim run --plan`.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/cim/mvm_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"

namespace hycim::cim {

struct Block {
  uint32_t k0 = 0, k1 = 0;     // weight rows [k0, k1)
  uint32_t n0 = 0, n1 = 0;     // weight columns [n0, n1) -> lanes [0, n1-n0)
  uint32_t tile = 0, row = 0;  // first NVM row of the block on that tile
};

// One weight matrix resident on the tiles.
class CimMatrix {
 public:
  // `w` is K x N row-major, 8-bit patterns read as int8 when wsigned else uint8.
  // Constant weights are catalogued (and may be found resident); others take
  // scratch rows of `owner`.
  CimMatrix(MvmEngine& engine, NvmResidency& residency, std::span<const uint8_t> w, uint32_t k,
            uint32_t n, bool wsigned, const std::string& name, bool constant, const void* owner);
  // c (M x N, overwritten) = a (M x K, 8-bit patterns) . W, exactly, in int32.
  // The MVMs go to `via` when given (a GatheringEngine batching them with
  // other callers'), else to the engine that holds W.
  void multiply(std::span<const uint8_t> a, uint32_t m, bool asigned, std::span<int32_t> c,
                MvmEngine* via = nullptr) const;

  const std::vector<Block>& blocks() const { return blocks_; }
  const std::string& name() const { return name_; }
  uint32_t k() const { return k_; }
  uint32_t n() const { return n_; }

 private:
  MvmEngine& engine_;
  std::string name_;
  uint32_t k_, n_;
  bool wsigned_;
  std::vector<Block> blocks_;
};

// "fc1.weight 64x64: k[0,64) n[0,32) -> tile 0 rows 0..63; ..." one line per block.
std::string describe(const CimMatrix& m);

}  // namespace hycim::cim
