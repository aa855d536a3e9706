// Read-throughput modes: the per-file baseline, the sequential limit, packed
// shards without prefetch, and the loader with its prefetch cache.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench/data/bench_common.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/loader.hpp"
#include "runtime/data/order.hpp"

namespace hycim::data::bench {

namespace fs = std::filesystem;

int run_files(int argc, char** argv) {
  if (argc < 1) return 2;
  const unsigned threads = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 1;
  // Listing is metadata the baseline needs anyway; it is not timed, which
  // favours the baseline.
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(argv[0]))
    if (e.is_regular_file()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  auto order = epoch_order(0, 0, static_cast<uint32_t>(files.size()));
  std::atomic<uint64_t> bytes{0};
  std::atomic<size_t> next{0};
  // Each thread opens, reads and closes the next file of the epoch order.
  auto reader = [&] {
    std::vector<char> buf(1 << 20);
    uint64_t mine = 0;
    for (size_t i; (i = next++) < order.size();) {
      int fd = ::open(files[order[i]].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error("cannot open " + files[order[i]]);
      for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;)
        mine += static_cast<uint64_t>(n);
      ::close(fd);
    }
    bytes += mine;
  };
  const double t0 = now_s();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(reader);
  for (auto& t : pool) t.join();
  auto j = rate(threads == 1 ? "files" : "files-mt", files.size(), bytes, now_s() - t0);
  j["threads"] = threads;
  report(j);
  return 0;
}

int run_seq(int argc, char** argv) {
  if (argc < 1) return 2;
  const unsigned threads = argc > 1 ? static_cast<unsigned>(std::stoul(argv[1])) : 1;
  PackedDataset ds(argv[0]);
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint32_t> next{0};
  // Each thread reads whole shards front to back in 8 MiB reads.
  auto reader = [&] {
    std::vector<std::byte> buf(8 << 20);
    for (uint32_t s; (s = next++) < ds.shards().size();) {
      io::Fd f(ds.shard_path(s), O_RDONLY);
      uint64_t off = 0;
      for (size_t n; (n = f.pread_some(buf, off)) > 0; off += n) {
      }
      bytes += off;
    }
  };
  const double t0 = now_s();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(reader);
  for (auto& t : pool) t.join();
  auto j = rate(threads == 1 ? "seq" : "seq-mt", ds.sample_count(), bytes, now_s() - t0);
  j["threads"] = threads;
  report(j);
  return 0;
}

int run_packed(int argc, char** argv) {
  if (argc < 1) return 2;
  PackedDataset ds(argv[0]);
  auto order = epoch_order(0, 0, ds.sample_count());
  uint64_t bytes = 0;
  const double t0 = now_s();
  for (uint32_t id : order) bytes += ds.read(id).size();
  report(rate("packed", order.size(), bytes, now_s() - t0));
  return 0;
}

int run_prefetch(int argc, char** argv) {
  if (argc < 3) return 2;
  PackedDataset ds(argv[0]);
  const LoaderOptions o = loader_options(argv[1], argv[2]);
  Loader loader(ds, o);
  uint64_t bytes = 0, samples = 0;
  const double t0 = now_s();
  loader.start_epoch(0);
  for (Batch b; loader.next(b);)
    for (const auto& s : b.samples) bytes += s.bytes.size(), ++samples;
  auto j = rate("prefetch", samples, bytes, now_s() - t0);
  CacheStats st = loader.epoch_stats();
  j["workers"] = o.cache.workers;
  j["cache_mib"] = o.cache.capacity_bytes >> 20;
  j["bytes_read"] = st.bytes_read;
  j["reads"] = st.reads;
  j["hit_rate"] = st.hit_rate();
  j["stall_s"] = st.stall_ns / 1e9;
  j["peak_reserved_mib"] = st.peak_reserved_bytes / double(1 << 20);
  report(j);
  return 0;
}

}  // namespace hycim::data::bench
