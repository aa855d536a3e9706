// NvmImage row throughput against the plain file calls underneath it, in the
// same run on the same disk: write_row vs pwrite + fdatasync of the same
// number of payload bytes, read_row vs pread of them. The image is created in
// $HYCIM_NVM_BENCH_DIR (default: the current directory).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/nvm/nvm_image.hpp"

namespace {

using hycim::nvm::Geometry;
using hycim::nvm::NvmImage;

constexpr uint32_t kTiles = 4;
constexpr uint32_t kRows = 512;

std::filesystem::path scratch(const std::string& name) {
  const char* dir = std::getenv("HYCIM_NVM_BENCH_DIR");
  std::filesystem::path p = std::filesystem::path(dir ? dir : ".") / name;
  std::filesystem::remove(p);
  return p;
}

// A file of the same payload bytes with no format: row i at i * row_bytes.
// Written out in full and synced like a created image, so that no baseline
// write has to allocate blocks the image already has.
struct RawFile {
  explicit RawFile(const std::filesystem::path& p, uint64_t bytes) : path(p) {
    fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<uint8_t> zeros(bytes, 0);
    if (fd < 0 || ::pwrite(fd, zeros.data(), bytes, 0) != static_cast<ssize_t>(bytes) ||
        ::fsync(fd) != 0)
      throw std::runtime_error("cannot create " + p.string());
  }
  ~RawFile() {
    ::close(fd);
    std::filesystem::remove(path);
  }
  std::filesystem::path path;
  int fd = -1;
};

struct Row {
  uint32_t tile, row;
};
Row row_of(uint64_t i) {
  return {static_cast<uint32_t>(i / kRows % kTiles), static_cast<uint32_t>(i % kRows)};
}

void finish(benchmark::State& state, uint32_t row_bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * row_bytes);
}

void BM_NvmWriteRow(benchmark::State& state) {
  const auto row_bytes = static_cast<uint32_t>(state.range(0));
  auto path = scratch("bench-write.nvm");
  {
    NvmImage image = NvmImage::create(path, Geometry{kTiles, kRows, row_bytes});
    std::vector<uint8_t> data(row_bytes);
    uint64_t i = 0;
    for (auto _ : state) {
      data[0] = static_cast<uint8_t>(i);
      Row r = row_of(i++);
      image.write_row(r.tile, r.row, data);
    }
  }
  std::filesystem::remove(path);
  finish(state, row_bytes);
}

void BM_RawPwriteFdatasync(benchmark::State& state) {
  const auto row_bytes = static_cast<uint32_t>(state.range(0));
  RawFile f(scratch("bench-write.raw"), uint64_t{kTiles} * kRows * row_bytes);
  std::vector<uint8_t> data(row_bytes);
  uint64_t i = 0;
  for (auto _ : state) {
    data[0] = static_cast<uint8_t>(i);
    off_t off = static_cast<off_t>(i++ % (kTiles * kRows) * row_bytes);
    if (::pwrite(f.fd, data.data(), row_bytes, off) != static_cast<ssize_t>(row_bytes) ||
        ::fdatasync(f.fd) != 0)
      state.SkipWithError("pwrite/fdatasync failed");
  }
  finish(state, row_bytes);
}

void BM_NvmReadRow(benchmark::State& state) {
  const auto row_bytes = static_cast<uint32_t>(state.range(0));
  auto path = scratch("bench-read.nvm");
  {
    NvmImage image = NvmImage::create(path, Geometry{kTiles, kRows, row_bytes});
    std::vector<uint8_t> out(row_bytes);
    uint64_t i = 0;
    for (auto _ : state) {
      Row r = row_of(i++);
      image.read_row(r.tile, r.row, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  std::filesystem::remove(path);
  finish(state, row_bytes);
}

void BM_RawPread(benchmark::State& state) {
  const auto row_bytes = static_cast<uint32_t>(state.range(0));
  RawFile f(scratch("bench-read.raw"), uint64_t{kTiles} * kRows * row_bytes);
  std::vector<uint8_t> out(row_bytes);
  uint64_t i = 0;
  for (auto _ : state) {
    off_t off = static_cast<off_t>(i++ % (kTiles * kRows) * row_bytes);
    if (::pread(f.fd, out.data(), row_bytes, off) != static_cast<ssize_t>(row_bytes))
      state.SkipWithError("pread failed");
    benchmark::DoNotOptimize(out.data());
  }
  finish(state, row_bytes);
}

// 32 bytes: the default tile's NVM row; 4096: a page-sized row.
BENCHMARK(BM_NvmWriteRow)->Arg(32)->Arg(4096)->MinTime(1.0)->UseRealTime();
BENCHMARK(BM_RawPwriteFdatasync)->Arg(32)->Arg(4096)->MinTime(1.0)->UseRealTime();
BENCHMARK(BM_NvmReadRow)->Arg(32)->Arg(4096);
BENCHMARK(BM_RawPread)->Arg(32)->Arg(4096);

}  // namespace

BENCHMARK_MAIN();
