#include "runtime/data/stage.hpp"

#include <fcntl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/io.hpp"
#include "runtime/data/pack.hpp"

namespace hycim::data {

namespace fs = std::filesystem;

namespace {

// A piece of one file copied by one thread. Shard chunks hold whole samples,
// so each thread checks its own samples' checksums and no combining is needed.
struct Chunk {
  size_t file;
  uint64_t offset, length;
  uint64_t first_sample, end_sample;  // [first, end) checked; empty for the index
};

struct CopyFile {
  io::Fd in, out;
  uint64_t size;
};

std::vector<Chunk> shard_chunks(size_t file, const ShardEntry& sh,
                                const std::vector<SampleEntry>& samples, uint64_t chunk_bytes) {
  std::vector<Chunk> out;
  uint64_t id = sh.first_sample;
  const uint64_t end = sh.first_sample + sh.sample_count;
  while (id < end) {
    Chunk c{file, samples[id].offset, 0, id, id};
    while (c.end_sample < end &&
           (c.length == 0 || c.length + samples[c.end_sample].length <= chunk_bytes))
      c.length += samples[c.end_sample++].length;
    out.push_back(c);
    id = c.end_sample;
  }
  return out;
}

}  // namespace

StageResult stage_dataset(const fs::path& src, const fs::path& dst, const StageOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path gen = live_generation(src);
  IndexContents index = read_index(gen / kIndexFile);  // refuses a bad index before copying
  const fs::path tmp = begin_generation(dst);
  std::vector<CopyFile> files;
  std::vector<Chunk> chunks;
  auto add_file = [&](const std::string& name, uint64_t size) {
    io::Fd in(gen / name, O_RDONLY);
    if (in.size() != size) throw DataError(in.path(), kNoSample, "size differs from the index");
    files.push_back({std::move(in), io::Fd(tmp / name, O_WRONLY | O_CREAT | O_TRUNC), size});
  };
  add_file(kIndexFile, fs::file_size(gen / kIndexFile));
  chunks.push_back({0, 0, files[0].size, 0, 0});
  for (uint32_t s = 0; s < index.shards.size(); ++s) {
    add_file(shard_file_name(s), index.shards[s].bytes);
    auto c = shard_chunks(files.size() - 1, index.shards[s], index.samples, opts.chunk_bytes);
    chunks.insert(chunks.end(), c.begin(), c.end());
  }

  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&] {
    std::vector<std::byte> buf;
    for (size_t c; (c = next++) < chunks.size();) {
      try {
        const Chunk& ch = chunks[c];
        buf.resize(ch.length);
        const CopyFile& f = files[ch.file];
        if (f.in.pread_some(buf, ch.offset) != ch.length)
          throw DataError(f.in.path(), kNoSample, "short read");
        for (uint64_t id = ch.first_sample; id < ch.end_sample; ++id) {
          const SampleEntry& e = index.samples[id];
          if (crc32c(std::span(buf).subspan(e.offset - ch.offset, e.length)) != e.crc)
            throw DataError(f.in.path(), id,
                            "checksum mismatch (sample '" + index.names[id] + "')");
        }
        f.out.pwrite_all(buf, ch.offset);
      } catch (...) {
        std::lock_guard lk(error_mu);
        if (!error) error = std::current_exception();
        next = chunks.size();
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, opts.threads); ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  for (auto& f : files) f.out.sync();
  read_index(tmp / kIndexFile);  // the copied index checks itself
  StageResult res;
  for (auto& f : files) res.bytes += f.size;
  res.files = static_cast<uint32_t>(files.size());
  files.clear();
  commit_generation(tmp);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace hycim::data
