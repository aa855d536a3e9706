// A separate process that uses an NVM image, for the tests that need one:
//
//   nvm_child write PATH TILE ROW   write the row's next pattern once, exit 0
//   nvm_child hammer PATH SEED      print "R" once open, then write random rows
//                                   with their next patterns until killed
//   nvm_child remap PATH SEED       as hammer, but one write in 64 moves the
//                                   row to its tile's next free spare (while
//                                   one is left); contents: placed_pattern
//   nvm_child age PATH              print "R" once open, then age the image
//                                   by one step (clock and seconds +1) again
//                                   and again until killed
//   nvm_child open PATH             open and close; exit 2 with the error
//                                   message on stderr if refused
//   nvm_child powercut PATH SEED CUT old|garbage
//                                   as hammer, with power cut after CUT bytes
//                                   (io::cut_power_after, the torn sector's
//                                   tail old or garbage); at the cut, print
//                                   "cut tile T row R wear W" (the write in
//                                   flight and the row's wear before it) on
//                                   stderr and exit kPowerCutExit
//
// Exit codes: 0 done, 1 usage, 2 NvmImageError, kPowerCutExit (86) power cut.
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "sim/nvm/nvm_image.hpp"
#include "tests/nvm/child_process.hpp"
#include "tests/nvm/pattern.hpp"

namespace {

using hycim::nvm::NvmImage;
using hycim::nvm::test::placed_pattern;
using hycim::nvm::test::row_pattern;

void write_next(NvmImage& image, uint32_t tile, uint32_t row) {
  image.write_row(tile, row,
                  row_pattern(tile, row, image.wear(tile, row) + 1, image.geometry().row_bytes));
}

[[noreturn]] void hammer(NvmImage& image, uint64_t seed) {
  if (::write(STDOUT_FILENO, "R", 1) != 1) std::_Exit(1);
  std::mt19937_64 rng(seed);
  const auto& g = image.geometry();
  for (;;) {
    write_next(image, static_cast<uint32_t>(rng() % g.tiles),
               static_cast<uint32_t>(rng() % g.rows_per_tile));
  }
}

[[noreturn]] void remap(NvmImage& image, uint64_t seed) {
  if (::write(STDOUT_FILENO, "R", 1) != 1) std::_Exit(1);
  std::mt19937_64 rng(seed);
  const auto& g = image.geometry();
  for (;;) {
    const auto tile = static_cast<uint32_t>(rng() % g.tiles);
    const auto row = static_cast<uint32_t>(rng() % g.rows_per_tile);
    if (rng() % 64 == 0 && image.spares_used(tile) < g.spare_rows) {
      // A fresh spare: its first write, wear 1.
      const uint32_t spare = g.rows_per_tile + image.spares_used(tile);
      image.remap_row(tile, row, placed_pattern(tile, row, spare, 1, g.row_bytes));
    } else {
      image.write_row(tile, row,
                      placed_pattern(tile, row, image.physical_row(tile, row),
                                     image.wear(tile, row) + 1, g.row_bytes));
    }
  }
}

[[noreturn]] void age(NvmImage& image) {
  if (::write(STDOUT_FILENO, "R", 1) != 1) std::_Exit(1);
  for (;;) {
    const NvmImage::Age a = image.age();
    image.set_age({a.clock + 1, a.seconds + 1});
  }
}

[[noreturn]] void power_cut(NvmImage& image, uint64_t seed, uint64_t cut, const std::string& tail) {
  namespace io = hycim::nvm::io;
  std::mt19937_64 rng(seed);
  const auto& g = image.geometry();
  uint32_t tile = 0, row = 0;
  // A child that never reaches its cut dies of SIGALRM, which the parent
  // reports, instead of hanging the test.
  ::alarm(60);
  io::cut_power_after(cut, tail == "garbage" ? io::TornTail::kGarbage : io::TornTail::kOld);
  try {
    for (;;) {
      tile = static_cast<uint32_t>(rng() % g.tiles);
      row = static_cast<uint32_t>(rng() % g.rows_per_tile);
      write_next(image, tile, row);
    }
  } catch (const io::PowerLost&) {
    // Power is gone: nothing may reach the file any more, so no destructor
    // runs; the report is for the parent's bookkeeping only.
    std::fprintf(stderr, "cut tile %u row %u wear %llu\n", tile, row,
                 static_cast<unsigned long long>(image.wear(tile, row)));
    std::fflush(stderr);
    ::_exit(hycim::nvm::test::kPowerCutExit);
  }
}

int run(int argc, char** argv) {
  std::string mode = argc > 2 ? argv[1] : "";
  if (mode == "write" && argc == 5) {
    NvmImage image = NvmImage::open(argv[2]);
    write_next(image, static_cast<uint32_t>(std::stoul(argv[3])),
               static_cast<uint32_t>(std::stoul(argv[4])));
    return 0;
  }
  if (mode == "hammer" && argc == 4) {
    NvmImage image = NvmImage::open(argv[2]);
    hammer(image, std::stoull(argv[3]));
  }
  if (mode == "remap" && argc == 4) {
    NvmImage image = NvmImage::open(argv[2]);
    remap(image, std::stoull(argv[3]));
  }
  if (mode == "age" && argc == 3) {
    NvmImage image = NvmImage::open(argv[2]);
    age(image);
  }
  if (mode == "powercut" && argc == 6) {
    NvmImage image = NvmImage::open(argv[2]);
    power_cut(image, std::stoull(argv[3]), std::stoull(argv[4]), argv[5]);
  }
  if (mode == "open" && argc == 3) {
    NvmImage::open(argv[2]);
    return 0;
  }
  std::fprintf(stderr, "usage: nvm_child write|hammer|remap|age|open|powercut PATH [ARGS]\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const hycim::nvm::NvmImageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}
