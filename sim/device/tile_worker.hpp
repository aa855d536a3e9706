// The work queue of one tile of the SystemC device: an SC_THREAD that runs the
// jobs the command processor hands it, one after another, in ring order.
// Tiles have a thread each, so commands for different tiles overlap in
// simulated time; FENCE (in the processor) waits for all of them.
#pragma once
#include <deque>
#include <functional>
#include <systemc>

#include "sim/device/command_processor.hpp"

namespace hycim::device {

class TileWorker : public sc_core::sc_module {
 public:
  // Runs a job (it waits: DMA and tile time), then writes its completion.
  using Run = std::function<Outcome(const Job&)>;
  using Done = std::function<void(const Job&, const Outcome&)>;

  TileWorker(sc_core::sc_module_name name, Run run, Done done);

  void push(const Job& job);

 private:
  void thread();

  Run run_;
  Done done_;
  std::deque<Job> queue_;
  sc_core::sc_event pushed_;
};

}  // namespace hycim::device
