#include "sim/device/tile_worker.hpp"

namespace hycim::device {

TileWorker::TileWorker(sc_core::sc_module_name name, Run run, Done done)
    : sc_module(name), run_(std::move(run)), done_(std::move(done)) {
  SC_HAS_PROCESS(TileWorker);
  SC_THREAD(thread);
}

void TileWorker::push(const Job& job) {
  queue_.push_back(job);
  pushed_.notify(sc_core::SC_ZERO_TIME);
}

void TileWorker::thread() {
  for (;;) {
    while (queue_.empty()) wait(pushed_);
    const Job job = queue_.front();
    queue_.pop_front();
    done_(job, run_(job));
  }
}

}  // namespace hycim::device
