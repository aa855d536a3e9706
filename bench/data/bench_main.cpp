// hycim_data_bench MODE ARGS: one measurement per run, printed as a JSON line.
//   files DIR [T]      one file per sample, opened and read in the epoch order by T threads
//   seq DATASET        the shard files read front to back in 8 MiB reads (the limit)
//   packed DATASET     one pread per sample from the shards, epoch order, no prefetch
//   prefetch DATASET W CACHE_MIB   the loader: prefetch cache with W workers
//   train DATASET W CACHE_MIB STEP_MS BATCHES   loader with a simulated training step
//   hitrate DATASET    clairvoyant vs LRU hit rate at 20/35/65% cached
//   tiers DATASET FAST_DIR SLOW_MBPS STEP_MS ITERS [USABLE]  tier plan + throttled slow tier
#include <cstring>

#include "bench/data/bench_common.hpp"
#include "runtime/data/error.hpp"

int main(int argc, char** argv) {
  using namespace hycim::data::bench;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s files|seq|packed|prefetch|train|hitrate|tiers ARGS\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  try {
    if (mode == "files") return run_files(argc - 2, argv + 2);
    if (mode == "seq") return run_seq(argc - 2, argv + 2);
    if (mode == "packed") return run_packed(argc - 2, argv + 2);
    if (mode == "prefetch") return run_prefetch(argc - 2, argv + 2);
    if (mode == "train") return run_train(argc - 2, argv + 2);
    if (mode == "hitrate") return run_hitrate(argc - 2, argv + 2);
    if (mode == "tiers") return run_tiers(argc - 2, argv + 2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hycim_data_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
  return 2;
}
