// A second process for the persistence test: opens a device on an NVM image,
// programs a known pattern through the command ring, and exits, so the test
// can reopen the image in another process.
//   hycim_device_child IMAGE SEED ROWS        -> exit 0 when every command was OK
//   hycim_device_child IMAGE SEED ROWS loop   -> programs SEED's and SEED+1's
//                                                patterns in turn until killed
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "driver/command_builders.hpp"
#include "sim/device/host_bench.hpp"
#include "tests/device/persistence_pattern.hpp"

int main(int argc, char** argv) {
  using namespace hycim::device;
  namespace cmd = hycim::driver::cmd;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s IMAGE SEED ROWS [loop]\n", argv[0]);
    return 2;
  }
  try {
    DeviceConfig cfg;
    cfg.tile_config = "small";
    cfg.tiles = 2;
    cfg.nvm_image = argv[1];
    HostBench tb("child", cfg);
    tb.setup();
    const unsigned seed = std::atoi(argv[2]), rows = std::atoi(argv[3]);
    const bool loop = argc == 5;
    for (unsigned pass = 0;; ++pass) {
      const auto bytes = testing::pattern(seed + pass % 2, rows * 8);
      std::copy(bytes.begin(), bytes.end(), tb.mem(tb.data(0), bytes.size()).begin());
      const auto done = tb.run({cmd::program_nvm(pass, 1, 2, rows, tb.data(0))});
      if (done[0].status != 0) return 1;
      if (!loop) return 0;
      if (pass == 0) std::fprintf(stdout, "programmed\n"), std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hycim_device_child: %s\n", e.what());
    return 3;
  }
}
