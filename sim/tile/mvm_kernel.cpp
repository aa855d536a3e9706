#include "sim/tile/mvm_kernel.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

#include "sim/tile/tile.hpp"

namespace hycim::tile {

const char* to_string(MvmKernel k) {
  switch (k) {
    case MvmKernel::kPortable:
      return "portable";
    case MvmKernel::kAvx2:
      return "avx2";
    case MvmKernel::kAvx512Vnni:
      return "avx512vnni";
  }
  return "?";
}

MvmKernel parse_mvm_kernel(std::string_view name) {
  for (MvmKernel k : {MvmKernel::kPortable, MvmKernel::kAvx2, MvmKernel::kAvx512Vnni})
    if (name == to_string(k)) return k;
  throw TileError(
      fmt::format("MVM kernel '{}': expected 'portable', 'avx2' or 'avx512vnni'", name));
}

namespace {
std::string cpu_features() {
  std::string s;
  auto add = [&](const char* name, bool has) {
    if (has) s += s.empty() ? name : fmt::format(", {}", name);
  };
#if defined(__x86_64__)
  __builtin_cpu_init();
  add("avx2", __builtin_cpu_supports("avx2"));
  add("avx512f", __builtin_cpu_supports("avx512f"));
  add("avx512bw", __builtin_cpu_supports("avx512bw"));
  add("avx512vnni", __builtin_cpu_supports("avx512vnni"));
#endif
  return s.empty() ? "none of avx2, avx512f, avx512bw, avx512vnni" : s;
}
}  // namespace

bool mvm_kernel_available(MvmKernel k) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  switch (k) {
    case MvmKernel::kPortable:
      return true;
    case MvmKernel::kAvx2:
      return __builtin_cpu_supports("avx2");
    case MvmKernel::kAvx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return k == MvmKernel::kPortable;
#endif
}

std::vector<MvmKernel> available_mvm_kernels() {
  std::vector<MvmKernel> out;
  for (MvmKernel k : {MvmKernel::kPortable, MvmKernel::kAvx2, MvmKernel::kAvx512Vnni})
    if (mvm_kernel_available(k)) out.push_back(k);
  return out;
}

MvmKernel best_mvm_kernel() {
  return available_mvm_kernels().back();
}

void require_mvm_kernel(MvmKernel k) {
  if (!mvm_kernel_available(k))
    throw TileError(fmt::format("MVM kernel '{}' cannot run on this CPU (it has: {})", to_string(k),
                                cpu_features()));
}

MvmKernel default_mvm_kernel() {
  const char* env = std::getenv("HYCIM_MVM_KERNEL");
  if (env == nullptr || *env == '\0') return best_mvm_kernel();
  try {
    const MvmKernel k = parse_mvm_kernel(env);
    require_mvm_kernel(k);
    return k;
  } catch (const TileError& e) {
    throw TileError(fmt::format("HYCIM_MVM_KERNEL: {}", e.what()));
  }
}

PackedRows::PackedRows(uint32_t rows, uint32_t lanes)
    : lanes_(lanes), lines_((size_t{(rows + 3) / 4} * lanes * 4 + 63) / 64 + 1) {
  // One spare line past the last group: a masked 64-byte load there stays
  // inside the buffer even for tools that check its full width.
  std::memset(bytes(), kFlip, lines_.size() * sizeof(Line));
}

void PackedRows::store(uint32_t row, const uint8_t* lanes) {
  uint8_t* g = bytes() + size_t{row / 4} * lanes_ * 4 + row % 4;
  for (uint32_t l = 0; l < lanes_; ++l) g[size_t{l} * 4] = lanes[l] ^ kFlip;
}

void run_mvm_kernel(MvmKernel k, const ArrayView& a, const MvmOperands& op, int32_t* acc) {
  switch (k) {
    case MvmKernel::kAvx512Vnni:
      return isa::mvm_avx512vnni(a, op, acc);
    case MvmKernel::kAvx2:
      return isa::mvm_avx2(a, op, acc);
    case MvmKernel::kPortable:
      break;
  }
  isa::mvm_portable(a, op, acc);
}

void run_emul_kernel(MvmKernel k, const uint8_t* a, LaneDecoder da, const uint8_t* b,
                     LaneDecoder db, uint32_t lanes, int32_t* out) {
  switch (k) {
    case MvmKernel::kAvx512Vnni:
      return isa::emul_avx512(a, da, b, db, lanes, out);
    case MvmKernel::kAvx2:
      return isa::emul_avx2(a, da, b, db, lanes, out);
    case MvmKernel::kPortable:
      break;
  }
  isa::emul_portable(a, da, b, db, lanes, out);
}

}  // namespace hycim::tile
