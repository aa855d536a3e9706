#include "sim/device/tile_worker.hpp"

namespace hycim::device {

TileWorker::TileWorker(sc_core::sc_module_name name, uint32_t index,
                       std::unique_ptr<tile::Tile> tile, DmaEngine& dma, const TimingConfig& timing,
                       NvmBacking* nvm, Done done)
    : sc_module(name),
      tile_(std::move(tile)),
      runner_(index, *tile_, dma, timing, nvm),
      done_(std::move(done)) {
  SC_HAS_PROCESS(TileWorker);
  SC_THREAD(run);
}

void TileWorker::push(const Job& job) {
  queue_.push_back(job);
  pushed_.notify(sc_core::SC_ZERO_TIME);
}

void TileWorker::run() {
  for (;;) {
    while (queue_.empty()) wait(pushed_);
    const Job job = queue_.front();
    queue_.pop_front();
    const Outcome outcome = runner_.run(job.record);
    done_(job, outcome);
  }
}

}  // namespace hycim::device
