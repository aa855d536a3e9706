// hycimd: the simulator daemon. Owns one simulated hycim device and its NVM
// image and serves many client processes over a unix socket (unix://PATH);
// docs/driver.md describes the protocol and fault behaviour.
//
//   hycimd --socket /run/user/1000/hycim/dev0 --nvm-image dev0.nvm [--tile model|rtl]
//          [--config default|small] [--tiles N] [--timing FILE]
//          [--engine functional|systemc] [--trace FILE]
//          [--faults MODEL [--fault-seed N] [--ecc secded|none] [--spare-rows N] [--op-temp C]]
//
// Exit codes: 0 after SIGTERM/SIGINT, 1 when the device or socket cannot be
// set up (message on stderr), 2 for usage errors.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <map>

#include "driver/daemon/server.hpp"
#include "driver/daemon/socket_path.hpp"
#include "driver/sim/engine/engine.hpp"
#include "driver/sim/sim_backend.hpp"

namespace {

int stop_fd = -1;

extern "C" void on_signal(int) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stop_fd, &one, sizeof one);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hycimd: serves one simulated hycim device to many processes", "hycimd"};
  std::string socket, nvm, tile = "model", config = "default", timing, engine_kind = "functional",
                           trace;
  std::string tech;
  // The NVM's fault model and its options (the sim:// URI keys faults,
  // fault_seed, ecc, spares, temp_c); an image with a fault record brings its own.
  std::string faults, fault_seed, ecc, spares, temp_c;
  uint32_t tiles = 4;
  app.add_option("--socket", socket, "unix socket path to listen on")->required();
  app.add_option("--nvm-image", nvm, "NVM image file (created if missing)")->required();
  app.add_option("--tile", tile, "tile kind: model or rtl")->capture_default_str();
  app.add_option("--config", config, "named tile configuration")->capture_default_str();
  app.add_option("--tiles", tiles, "tiles in the device")->capture_default_str();
  app.add_option("--tech", tech,
                 "technology of the clock and energies (a catalog name or JSON path)");
  app.add_option("--timing", timing, "timing/energy JSON file (over --tech)");
  app.add_option("--engine", engine_kind, "device timing: functional or systemc")
      ->capture_default_str();
  app.add_option("--trace", trace, "RTL tiles: FST waveform file (tile i: FILE.i)");
  app.add_option("--faults", faults,
                 "NVM fault model: a spec/faults name (rram, pcm, stt_mram) or a JSON path");
  app.add_option("--fault-seed", fault_seed, "seed of the NVM's fault map (with --faults)");
  app.add_option("--ecc", ecc, "NVM row protection with --faults: secded or none");
  app.add_option("--spare-rows", spares,
                 "spare NVM rows per tile with --faults: rows failing write-verify move there");
  app.add_option("--op-temp", temp_c, "operating temperature in C with --faults");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the usage error
    return code == 0 ? 0 : 2;
  }

  // Logs go to stderr: stdout stays free for whoever started the daemon.
  spdlog::set_default_logger(spdlog::stderr_color_mt("hycimd"));
  spdlog::set_pattern("hycimd[%P] %l: %v");
  try {
    std::map<std::string, std::string> opts{{"tile", tile},
                                            {"config", config},
                                            {"tiles", std::to_string(tiles)},
                                            {"nvm", nvm},
                                            {"engine", engine_kind}};
    if (!tech.empty()) opts["tech"] = tech;
    if (!timing.empty()) opts["timing"] = timing;
    if (!trace.empty()) opts["trace"] = trace;
    for (const auto& [key, value] : {std::pair{"faults", &faults},
                                     {"fault_seed", &fault_seed},
                                     {"ecc", &ecc},
                                     {"spares", &spares},
                                     {"temp_c", &temp_c}})
      if (!value->empty()) opts[key] = *value;
    // The socket first: a refused path must not leave a new NVM image behind.
    auto listener = hycim::driver::daemon::claim_socket(socket);
    std::shared_ptr<hycim::driver::Engine> engine;
    try {
      engine = hycim::driver::Engine::start(hycim::driver::sim_config_from_query(opts));
    } catch (...) {
      ::unlink(socket.c_str());
      throw;
    }
    stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGINT, on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    spdlog::info("serving {} '{}' tile(s) ({}, {} device), NVM image {}, on {}", tiles, config,
                 tile, engine_kind, nvm, socket);
    // Clients connecting from here on find the device ready.
    hycim::driver::daemon::start_listening(listener.get());
    hycim::driver::daemon::Server server(engine, std::move(listener), stop_fd);
    const uint64_t served = server.run();
    ::unlink(socket.c_str());
    spdlog::info("stopped after {} connection(s)", served);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
