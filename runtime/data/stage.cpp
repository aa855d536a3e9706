#include "runtime/data/stage.hpp"

#include <fcntl.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/io.hpp"
#include "runtime/data/pack.hpp"

namespace hycim::data {

namespace fs = std::filesystem;

namespace {

struct Chunk {
  size_t file;
  uint64_t offset, length;
  uint32_t crc = 0;
};

struct CopyFile {
  io::Fd in, out;
  uint64_t size;
};

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
    for (uint64_t off = 0; off < size || (off == 0 && size == 0); off += opts.chunk_bytes)
      chunks.push_back({files.size() - 1, off, std::min(opts.chunk_bytes, size - off)});
  };
  add_file(kIndexFile, fs::file_size(gen / kIndexFile));
  for (uint32_t s = 0; s < index.shards.size(); ++s)
    add_file(shard_file_name(s), index.shards[s].bytes);

  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mu;
  auto worker = [&] {
    std::vector<std::byte> buf;
    for (size_t c; (c = next++) < chunks.size();) {
      try {
        Chunk& ch = chunks[c];
        buf.resize(ch.length);
        const CopyFile& f = files[ch.file];
        if (f.in.pread_some(buf, ch.offset) != ch.length)
          throw DataError(f.in.path(), kNoSample, "short read");
        ch.crc = io::crc32(buf);
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

  // Combine the chunk checksums of each shard (file 0 is the index) and check them.
  std::vector<uint32_t> crc(files.size(), 0);
  for (const Chunk& ch : chunks)
    crc[ch.file] =
        static_cast<uint32_t>(crc32_combine(crc[ch.file], ch.crc, static_cast<z_off_t>(ch.length)));
  for (size_t f = 1; f < files.size(); ++f)
    if (crc[f] != index.shards[f - 1].crc) {
      // Rare path: find the first bad sample so the error names it.
      VerifyReport rep = PackedDataset(src).verify();
      throw DataError(rep.ok ? files[f].in.path() : rep.file, rep.sample,
                      "shard checksum mismatch");
    }
  read_index(tmp / kIndexFile);  // the copied index checks itself
  for (auto& f : files) f.out.sync();
  StageResult res;
  for (auto& f : files) res.bytes += f.size;
  res.files = static_cast<uint32_t>(files.size());
  files.clear();
  commit_generation(tmp);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace hycim::data
