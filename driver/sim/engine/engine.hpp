// The engine: one simulated device shared by many contexts, the code behind
// both backends (sim:// runs it in the client's process, hycimd in the daemon).
//
// A dedicated thread owns the device (its Platform: the functional device,
// or SystemC's elaboration, sc_start and every register access). Control calls (buffers, windows,
// queues, errors, reset) are posted to it and answered synchronously; the hot path does not post
// anything: the thread waits in epoll on every queue's doorbell eventfd, takes a batch of commands
// from that queue's shared ring, runs it on the device and writes the completions back.
//
// The device has one command ring and one set of DMA windows, so contexts
// take turns batch by batch: before a context's batch the engine programs
// the device's windows with that context's mapped buffers (the last window
// covers the engine's own ring) and shows the DMA port only that context's
// memory. A command can therefore only reach its own context's buffers, and
// what it is refused (DMA_FAULT, ERR_ADDR) is exactly what the device would
// answer a lone host. The device's error log is folded into a per-context log
// after each batch.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "driver/lib/backend.hpp"
#include "sim/device/device_config.hpp"

namespace hycim::driver {

class EngineState;

class Engine : public std::enable_shared_from_this<Engine> {
 public:
  // Starts the thread and elaborates the device. Throws DriverError naming
  // the problem (bad config, unusable NVM image).
  static std::shared_ptr<Engine> start(const device::DeviceConfig& config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A new context acting for `owner` (an owner_identity(): NVM rows belong
  // to it, docs/driver.md "Row ownership"); destroying the returned backend
  // frees everything it made.
  std::unique_ptr<Backend> open_context(const std::string& owner);
  const device::DeviceConfig& config() const { return config_; }
  const Capabilities& capabilities() const { return caps_; }
  // Unique among the engines this process ever started.
  uint64_t serial() const { return serial_; }

  // Called by the destructor once the device is gone (thread joined, NVM
  // image closed, traces finalized).
  void on_destroyed(std::function<void()> f) { on_destroyed_ = std::move(f); }

  // Runs f on the engine thread and waits for it.
  void call(const std::function<void(EngineState&)>& f);

 private:
  explicit Engine(const device::DeviceConfig& config);
  void thread_main(std::promise<void>* ready);

  device::DeviceConfig config_;
  Capabilities caps_{};
  uint64_t serial_ = 0;
  int control_fd_ = -1;  // eventfd: a posted call or stop is waiting
  std::mutex mutex_;
  std::deque<std::function<void(EngineState&)>> posted_;
  bool stop_ = false;
  std::thread thread_;
  std::function<void()> on_destroyed_;
};

}  // namespace hycim::driver
