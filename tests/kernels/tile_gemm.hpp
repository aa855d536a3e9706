// Runs an int8 GEMM on one hycim tile the way the runtime will: B's columns
// in blocks of LANES, B's rows as weight rows (row k = weights of input k),
// each row of A written to SRAM rows and multiplied by one MVM command. The
// device has no zero points, so this is the raw C = A B.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/int8_conventions.hpp"
#include "sim/tile/tile.hpp"

namespace hycim::kernels::testing {

// LANES bytes of `src` from `first`, zero past `count` (a partial block).
inline std::vector<std::uint8_t> lane_row(const std::uint8_t* src, std::int64_t count,
                                          std::uint32_t lanes) {
  std::vector<std::uint8_t> row(lanes, 0);
  std::copy_n(src, std::min<std::int64_t>(count, lanes), row.begin());
  return row;
}

inline std::vector<std::int32_t> gemm_on_tile(tile::Tile& t, const GemmShape& s,
                                              const std::vector<std::uint8_t>& a, Signedness sa,
                                              const std::vector<std::uint8_t>& b, Signedness sb) {
  const tile::TileConfig& cfg = t.config();
  const std::uint32_t lanes = cfg.lanes;
  std::vector<std::int32_t> c(static_cast<std::size_t>(s.m * s.n));
  for (std::int64_t n0 = 0; n0 < s.n; n0 += lanes) {
    for (std::int64_t k = 0; k < s.k; ++k) {  // weights straight into NVM (backdoor)
      t.poke_row(static_cast<std::uint32_t>(k), lane_row(&b[k * s.n + n0], s.n - n0, lanes));
    }
    for (std::int64_t m = 0; m < s.m; ++m) {
      for (std::int64_t k0 = 0; k0 < s.k; k0 += lanes) {
        const auto row = static_cast<std::uint32_t>(cfg.nvm_rows + k0 / lanes);
        const tile::Result w =
            t.execute(tile::Command::write_sram(row, lane_row(&a[m * s.k + k0], s.k - k0, lanes)));
        EXPECT_EQ(w.status, tile::Status::kOk);
      }
      const tile::Result r =
          t.execute(tile::Command::mvm(0, static_cast<std::uint32_t>(s.k), cfg.nvm_rows, 8,
                                       sa == Signedness::kSigned, 8, sb == Signedness::kSigned));
      EXPECT_EQ(r.status, tile::Status::kOk);
      for (std::int64_t n = n0; n < std::min<std::int64_t>(s.n, n0 + lanes); ++n) {
        c[static_cast<std::size_t>(m * s.n + n)] = r.lanes[static_cast<std::size_t>(n - n0)];
      }
    }
  }
  return c;
}

}  // namespace hycim::kernels::testing
