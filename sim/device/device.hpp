// The hycim device as a SystemC module, ready for any virtual platform:
//  - `regs`, a TLM-2.0 target socket: the register file (32-bit accesses at
//    offsets of hycim/spec/device_spec.hpp relative to the device's base);
//  - `dma`, a TLM-2.0 initiator socket: every host memory access (command
//    fetch, data, completion records), checked against the DMA windows;
//  - `irq`, high while IRQ_STATUS & IRQ_MASK != 0.
// A doorbell starts the command processor, which fetches records from the
// ring, hands each to its tile's worker thread (tiles run concurrently) and
// writes a completion record per command. What is done is the shared
// CommandProcessor's (command_processor.hpp); this module decides only when,
// in SystemC time. Programming guide: docs/device.md, "The device".
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/device/command_processor.hpp"
#include "sim/device/device_config.hpp"
#include "sim/device/dma.hpp"
#include "sim/device/stats.hpp"
#include "sim/device/tile_worker.hpp"

namespace hycim::device {

class Device : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Device> regs;
  tlm_utils::simple_initiator_socket<Device> dma;
  sc_core::sc_out<bool> irq;

  // Builds the tiles and, with config.nvm_image set, restores their NVM rows
  // and wear from the image. Throws DeviceError for a bad config and
  // nvm::NvmImageError for an image that cannot be used.
  Device(sc_core::sc_module_name name, const DeviceConfig& config);
  ~Device() override;

  const DeviceConfig& config() const { return processor_.config(); }
  const Stats& stats() const { return processor_.stats(); }
  // Simulated time now, in ns (the denominator of utilization).
  static double now_ns();
  // Backdoor to a tile, for tests and tools (takes no simulated time).
  tile::Tile& tile(uint32_t index) { return processor_.tile(index); }
  uint32_t spares_used(uint32_t index) const { return processor_.spares_used(index); }

 private:
  void reg_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
  void process();  // SC_THREAD: the command processor
  void fetch_burst();
  void dispatch(Job job);
  void complete(const Job& job, const Outcome& outcome, DevicePort& port);
  void drive_irq();  // SC_METHOD
  void changed();    // registers changed: busy bit, irq line

  CommandProcessor processor_;
  RegisterFile& regfile_;  // processor_'s
  DmaEngine dma_engine_;
  std::vector<std::unique_ptr<TileWorker>> workers_;
  uint32_t in_flight_ = 0;  // dispatched commands without a completion yet
  bool fetching_ = false;
  sc_core::sc_event kick_, completed_, irq_changed_;
};

}  // namespace hycim::device
