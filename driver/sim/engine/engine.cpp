// The engine thread, posted calls, and the per-context Backend handle.
#include "driver/sim/engine/engine.hpp"

#include <unistd.h>

#include <atomic>

#include "driver/sim/engine/engine_state.hpp"

namespace hycim::driver {
namespace {

// One context of an engine, as a Backend: each call runs on the engine thread.
class ContextHandle : public Backend {
 public:
  ContextHandle(std::shared_ptr<Engine> e, uint32_t id, std::string owner)
      : engine_(std::move(e)), id_(id), owner_(std::move(owner)) {}
  ~ContextHandle() override {
    engine_->call([id = id_](EngineState& s) { s.close_context(id); });
  }
  const Capabilities& capabilities() const override { return engine_->capabilities(); }
  Status info(DeviceInfo* out) override {
    out->backend = "sim";
    out->id = "sim://#" + std::to_string(engine_->serial());
    return run([&](EngineState& s) { return s.info(id_, out); });
  }
  Status usage(Usage* out) override {
    return run([&](EngineState& s) { return s.usage(id_, out); });
  }
  Status tile_health(uint32_t tile, TileHealth* out) override {
    return run([&](EngineState& s) { return s.tile_health(tile, out); });
  }
  Status add_buffer(int fd, uint64_t bytes, uint64_t* iova) override {
    return run([&](EngineState& s) { return s.add_buffer(id_, fd, bytes, iova); });
  }
  Status remove_buffer(uint64_t iova) override {
    return run([&](EngineState& s) { return s.remove_buffer(id_, iova); });
  }
  Status map_buffer(uint64_t iova, uint32_t access) override {
    return run([&](EngineState& s) { return s.map_buffer(id_, iova, access); });
  }
  Status unmap_buffer(uint64_t iova) override {
    return run([&](EngineState& s) { return s.unmap_buffer(id_, iova); });
  }
  Status add_queue(const QueueFds& fds, uint32_t entries, uint32_t* qid) override {
    return run([&](EngineState& s) { return s.add_queue(id_, fds, entries, qid); });
  }
  Status remove_queue(uint32_t qid) override {
    return run([&](EngineState& s) { return s.remove_queue(id_, qid); });
  }
  Status read_error(bool clear, ErrorInfo* out) override {
    return run([&](EngineState& s) { return s.read_error(id_, clear, out); });
  }
  Status reset(int) override {
    return run([&](EngineState& s) { return s.reset(id_); });
  }
  const std::string& owner() const override { return owner_; }
  Status row_access(uint32_t tile, uint32_t first_row, uint32_t count, RowAccess* out) override {
    return run([&](EngineState& s) { return s.row_access(id_, tile, first_row, count, out); });
  }
  Status set_rows(uint32_t tile, uint32_t row, uint32_t count, RowsOp op) override {
    return run([&](EngineState& s) { return s.set_rows(id_, tile, row, count, op); });
  }

 private:
  template <class F>
  Status run(F&& f) {
    Status st = Status::kInternal;
    try {
      engine_->call([&](EngineState& s) { st = f(s); });
    } catch (const std::exception&) {
      return Status::kInternal;  // a bug in the engine; the thread goes on
    }
    return st;
  }
  std::shared_ptr<Engine> engine_;
  uint32_t id_;
  std::string owner_;
};

}  // namespace

// Process-unique: a device built again after its last context closed is
// another device (its NVM rows are those of its image, or none).
Engine::Engine(const device::DeviceConfig& config) : config_(config) {
  static std::atomic<uint64_t> next{1};
  serial_ = next++;
}

std::shared_ptr<Engine> Engine::start(const device::DeviceConfig& config) {
  std::shared_ptr<Engine> e(new Engine(config));
  UniqueFd control = make_eventfd();
  e->control_fd_ = control.release();
  std::promise<void> ready;
  auto started = ready.get_future();
  e->thread_ = std::thread([raw = e.get(), &ready] { raw->thread_main(&ready); });
  try {
    started.get();
  } catch (const std::exception& ex) {
    e->thread_.join();
    throw DriverError(Status::kInvalid, std::string("cannot start the device: ") + ex.what());
  }
  e->call([&](EngineState& s) { e->caps_ = s.capabilities(); });
  return e;
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  signal_eventfd(control_fd_);
  if (thread_.joinable()) thread_.join();
  ::close(control_fd_);
  if (on_destroyed_) on_destroyed_();
}

void Engine::thread_main(std::promise<void>* ready) {
  std::unique_ptr<EngineState> state;
  try {
    state = std::make_unique<EngineState>(config_, control_fd_);
  } catch (...) {
    ready->set_exception(std::current_exception());
    return;
  }
  ready->set_value();
  for (;;) {
    try {
      if (state->wait_and_serve(-1)) drain_eventfd(control_fd_);
    } catch (const std::exception&) {
      // A batch that throws is a bug; the queue's client sees its timeout.
    }
    std::deque<std::function<void(EngineState&)>> work;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      work.swap(posted_);
      if (stop_ && work.empty()) return;
    }
    for (auto& f : work) f(*state);
  }
}

void Engine::call(const std::function<void(EngineState&)>& f) {
  std::promise<void> done;
  auto finished = done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back([&](EngineState& s) {
      try {
        f(s);
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  }
  signal_eventfd(control_fd_);
  finished.get();
}

std::unique_ptr<Backend> Engine::open_context(const std::string& owner) {
  uint32_t id = 0;
  call([&](EngineState& s) { id = s.open_context(owner); });
  if (id == 0)
    throw DriverError(Status::kNoSpace, "the device already has 65535 row owners; owner '" + owner +
                                            "' cannot be told apart from them");
  return std::make_unique<ContextHandle>(shared_from_this(), id, owner);
}

}  // namespace hycim::driver
