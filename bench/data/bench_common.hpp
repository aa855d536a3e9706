// Shared by the data-cache benchmark modes: a wall clock, a JSON line per
// measurement (bench/data/run.sh turns them into the docs table), and the
// id order every mode reads in, so all modes read the same samples.
#pragma once
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/data/loader.hpp"

namespace hycim::data::bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The loader every cached mode runs: batches of 256, `workers` prefetch
// threads, a cache of `cache_mib` MiB (argv strings of the mode).
inline LoaderOptions loader_options(const char* workers, const char* cache_mib) {
  LoaderOptions o;
  o.batch_size = 256;
  o.cache.workers = static_cast<unsigned>(std::stoul(workers));
  o.cache.capacity_bytes = std::stoull(cache_mib) << 20;
  return o;
}

inline void report(nlohmann::json j) {
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

inline nlohmann::json rate(const std::string& mode, uint64_t samples, uint64_t bytes,
                           double seconds) {
  return {{"mode", mode},
          {"samples", samples},
          {"bytes", bytes},
          {"seconds", seconds},
          {"samples_per_s", samples / seconds},
          {"mb_per_s", bytes / seconds / 1e6}};
}

// Mode entry points (argv after the mode name).
int run_files(int argc, char** argv);
int run_seq(int argc, char** argv);
int run_packed(int argc, char** argv);
int run_prefetch(int argc, char** argv);
int run_train(int argc, char** argv);
int run_hitrate(int argc, char** argv);
int run_tiers(int argc, char** argv);

}  // namespace hycim::data::bench
