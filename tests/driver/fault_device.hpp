// What the driver's ECC and spare-row tests share: a small 2-tile device
// whose NVM fails by a fault model the test writes out, in this process or in
// a hycimd child; a batch of commands run to its last completion; a tile's
// health read with the call checked.
#pragma once
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/driver/backend_fixture.hpp"

namespace hycim::driver::test {

// The small config, 2 tiles, `model_json` as the fault model `name` (SECDED), a
// fresh NVM image: `backend` "sim" in this process, "unix" in a hycimd
// child, "unix-systemc" in one running the SystemC engine.
struct FaultDevice {
  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  std::string uri;

  FaultDevice(const std::string& backend, const std::string& name, const char* model_json,
              uint32_t seed, uint32_t spare_rows = 0) {
    const std::string model = dir.path + "/" + name + ".json";  // named by its file
    std::ofstream(model) << model_json;
    const std::string s = std::to_string(seed), spares = std::to_string(spare_rows);
    if (backend.rfind("unix", 0) == 0) {
      std::vector<std::string> args{"--config", "small",        "--tiles", "2",     "--faults",
                                    model,      "--fault-seed", s,         "--ecc", "secded"};
      if (spare_rows > 0) args.insert(args.end(), {"--spare-rows", spares});
      if (backend == "unix-systemc") args.insert(args.end(), {"--engine", "systemc"});
      daemon = std::make_unique<DaemonProcess>(args);
      uri = daemon->uri();
    } else {
      uri = "sim://?config=small&tiles=2&faults=" + model + "&fault_seed=" + s + "&ecc=secded" +
            (spare_rows > 0 ? "&spares=" + spares : "") + "&nvm=" + dir.path + "/dev.nvm";
    }
  }
};

// Submits `cmds` on one queue, as many as fit at a time, and collects every
// completion in order (fewer when the device stops answering).
inline std::vector<CompletionRecord> run_all(Device& d, const std::vector<CommandRecord>& cmds) {
  auto q = d.create_queue(64);
  std::vector<CompletionRecord> done(cmds.size());
  size_t sent = 0, got = 0;
  while (got < cmds.size()) {
    size_t took = 0;
    if (sent < cmds.size()) q->submit(std::span(cmds).subspan(sent), &took);
    sent += took;
    size_t n = 0;
    EXPECT_EQ(q->wait(std::span(done).subspan(got, sent - got), 1, 5000ms, &n), Status::kOk);
    if (n == 0) break;
    got += n;
  }
  done.resize(got);
  return done;
}

inline TileHealth health_of(const Device& d, uint32_t tile) {
  TileHealth h{};
  EXPECT_EQ(d.tile_health(tile, &h), Status::kOk) << "tile " << tile;
  return h;
}

}  // namespace hycim::driver::test
