// One tile of the device and its work queue: an SC_THREAD that runs the
// commands the command processor hands it, one after another, in ring order.
// Tiles have a thread each, so commands for different tiles overlap in
// simulated time; FENCE (in the processor) waits for all of them.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <systemc>

#include "hycim/spec/device_spec.hpp"
#include "sim/device/command_runner.hpp"

namespace hycim::device {

struct Job {
  spec::device::CommandRecord record{};
  uint32_t ring_index = 0;
  double started_ns = 0;  // when the command processor dispatched it
};

class TileWorker : public sc_core::sc_module {
 public:
  // Called from this worker's thread when a job ends (it may wait: it writes
  // the completion record over DMA).
  using Done = std::function<void(const Job&, const Outcome&)>;

  TileWorker(sc_core::sc_module_name name, uint32_t index, std::unique_ptr<tile::Tile> tile,
             DmaEngine& dma, const TimingConfig& timing, NvmBacking* nvm, Done done);

  void push(const Job& job);
  tile::Tile& tile() { return *tile_; }
  const tile::Tile& tile() const { return *tile_; }

 private:
  void run();

  std::unique_ptr<tile::Tile> tile_;
  CommandRunner runner_;
  Done done_;
  std::deque<Job> queue_;
  sc_core::sc_event pushed_;
};

}  // namespace hycim::device
