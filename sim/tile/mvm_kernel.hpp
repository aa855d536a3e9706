// The fast model's inner loops, one implementation per instruction set, all
// bit-exact with each other and with the reference (tile_reference.hpp):
//   portable    the plain GEMV over row-major rows, what every other path is checked against;
//   avx2        16x16->32 multiply-adds (vpmaddwd) over the 4-row packed layout;
//   avx512vnni  8-bit dot products of 4 rows at once (vpdpbusd) over the same layout.
// The model picks the fastest the CPU has at run time (best_mvm_kernel); the
// environment variable HYCIM_MVM_KERNEL or TileModel's constructor chooses
// another, so tests run every path the machine has.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/tile/lane_value.hpp"

namespace hycim::tile {

enum class MvmKernel : uint8_t { kPortable, kAvx2, kAvx512Vnni };

const char* to_string(MvmKernel k);
// Throws TileError naming the word and the choices.
MvmKernel parse_mvm_kernel(std::string_view name);
// Whether this CPU (and this build) can run `k`.
bool mvm_kernel_available(MvmKernel k);
// Every kernel this CPU can run, portable first.
std::vector<MvmKernel> available_mvm_kernels();
MvmKernel best_mvm_kernel();
// HYCIM_MVM_KERNEL when set (refused with a TileError when unknown or not
// available here), else best_mvm_kernel().
MvmKernel default_mvm_kernel();
// Throws TileError when `k` cannot run here, naming it and what the CPU has.
void require_mvm_kernel(MvmKernel k);

// Rows grouped by four, the layout the SIMD kernels read: group g holds, for
// each lane l, the bytes of rows 4g..4g+3 at [g][l][0..3], so one 32-bit word
// is one lane's four consecutive weights (what vpdpbusd and vpmaddwd pair up).
// Bytes are stored with the top bit flipped (a signed byte w as the unsigned
// w+128): the signed x signed MVM the runtime issues then feeds vpdpbusd the
// stored bytes as they are. Rows past the end of the array hold flipped zeros.
class PackedRows {
 public:
  static constexpr uint8_t kFlip = 0x80;

  PackedRows() = default;
  PackedRows(uint32_t rows, uint32_t lanes);
  void store(uint32_t row, const uint8_t* lanes);
  const uint8_t* group(uint32_t g) const { return bytes() + size_t{g} * lanes_ * 4; }
  uint32_t lanes() const { return lanes_; }

 private:
  struct alignas(64) Line {
    uint8_t b[64];
  };
  const uint8_t* bytes() const { return lines_.empty() ? nullptr : lines_.front().b; }
  uint8_t* bytes() { return lines_.empty() ? nullptr : lines_.front().b; }
  uint32_t lanes_ = 0;
  std::vector<Line> lines_;  // 64-byte aligned, so a 16-lane load is one cache line
};

// One accepted MVM: K = count weight rows from `row`, inputs the `count`
// consecutive raw lane bytes at x (the SRAM rows from row2, row-major).
// `scratch` holds at least mvm_scratch_size(rows) elements for the decoded
// inputs, so no MVM allocates.
struct MvmOperands {
  uint32_t row = 0, count = 0;
  const uint8_t* x = nullptr;
  uint8_t xbits = 8, wbits = 8;
  bool xsigned = true, wsigned = true;
  int16_t* scratch = nullptr;
};
constexpr size_t mvm_scratch_size(uint32_t rows) {
  return (size_t{rows} / 4 + 2) * 4;  // a 16-bit input per row, the end groups straddled
}

// The arrays a kernel may read: row-major rows (portable) and the packed copy
// (the SIMD paths; empty when the model runs the portable kernel).
struct ArrayView {
  const uint8_t* rows = nullptr;
  const PackedRows* packed = nullptr;
  uint32_t lanes = 0;
};

// acc[l] += sum_k x[k] * w[row + k][l] with both operands decoded by their
// widths and signedness. acc holds `lanes` int32.
void run_mvm_kernel(MvmKernel k, const ArrayView& a, const MvmOperands& op, int32_t* acc);
// out[l] = a[l] * b[l], decoded.
void run_emul_kernel(MvmKernel k, const uint8_t* a, LaneDecoder da, const uint8_t* b,
                     LaneDecoder db, uint32_t lanes, int32_t* out);

// The per-instruction-set bodies (mvm_portable.cpp, mvm_avx2.cpp, mvm_avx512.cpp).
namespace isa {
void mvm_portable(const ArrayView& a, const MvmOperands& op, int32_t* acc);
void mvm_avx2(const ArrayView& a, const MvmOperands& op, int32_t* acc);
void mvm_avx512vnni(const ArrayView& a, const MvmOperands& op, int32_t* acc);
void emul_portable(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db,
                   uint32_t lanes, int32_t* out);
void emul_avx2(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db, uint32_t lanes,
               int32_t* out);
void emul_avx512(const uint8_t* a, LaneDecoder da, const uint8_t* b, LaneDecoder db, uint32_t lanes,
                 int32_t* out);
}  // namespace isa

}  // namespace hycim::tile
