#include "runtime/data/dataset.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/io.hpp"

namespace hycim::data {

namespace fs = std::filesystem;

std::string live_generation_name(const fs::path& dataset) {
  std::string gen = io::read_small_file(dataset / kCurrentFile);
  while (!gen.empty() && (gen.back() == '\n' || gen.back() == ' ')) gen.pop_back();
  return gen;
}

fs::path live_generation(const fs::path& dataset) {
  if (!fs::exists(dataset / kCurrentFile))
    throw DataError((dataset / kCurrentFile).string(), kNoSample,
                    "missing: not a packed hycim dataset");
  std::string gen = live_generation_name(dataset);
  if (gen.empty() || gen.find('/') != std::string::npos)
    throw DataError((dataset / kCurrentFile).string(), kNoSample, "does not name a generation");
  return dataset / gen;
}

namespace {

template <typename T>
void take(const std::string& buf, size_t& pos, T* out, size_t count, const std::string& file) {
  size_t n = sizeof(T) * count;
  if (pos + n > buf.size()) throw DataError(file, kNoSample, "index truncated");
  if (n) std::memcpy(static_cast<void*>(out), buf.data() + pos, n);
  pos += n;
}

void check_header(const IndexHeader& h, const std::string& file) {
  IndexHeader copy = h;
  copy.header_crc = 0;
  if (std::memcmp(h.magic, kIndexMagic, sizeof kIndexMagic) != 0)
    throw DataError(file, kNoSample, "not a hycim dataset index (bad magic)");
  if (crc32c(std::as_bytes(std::span(&copy, 1))) != h.header_crc)
    throw DataError(file, kNoSample, "index header checksum mismatch");
  if (h.version != kFormatVersion || h.header_bytes != sizeof(IndexHeader))
    throw DataError(file, kNoSample, "unsupported index version " + std::to_string(h.version));
}

// The layout pack.cpp writes and every reader (PackedDataset, verify, the
// stager) walks: shard s holds ids [first_sample, first_sample +
// sample_count), the shards one after another over all samples, and each
// sample of a shard lies inside it, after the one before.
void check_tables(const IndexContents& c, const std::string& file) {
  uint64_t next = 0;
  for (uint32_t s = 0; s < c.shards.size(); ++s) {
    const ShardEntry& sh = c.shards[s];
    if (sh.first_sample != next || sh.sample_count > c.samples.size() - next)
      throw DataError(file, kNoSample,
                      "shard " + std::to_string(s) + " claims samples [" +
                          std::to_string(sh.first_sample) + ", +" +
                          std::to_string(sh.sample_count) + "), expected them from " +
                          std::to_string(next) + " within " + std::to_string(c.samples.size()));
    uint64_t end = 0;
    for (uint64_t id = next; id < next + sh.sample_count; ++id) {
      const SampleEntry& e = c.samples[id];
      if (e.shard != s || e.offset < end || e.offset > sh.bytes || e.length > sh.bytes - e.offset)
        throw DataError(file, id,
                        "index entry (shard " + std::to_string(e.shard) + ", offset " +
                            std::to_string(e.offset) + ", " + std::to_string(e.length) +
                            " bytes) lies outside shard " + std::to_string(s) + " (" +
                            std::to_string(sh.bytes) + " bytes) or before the sample ahead of it");
      end = e.offset + e.length;
    }
    next += sh.sample_count;
  }
  if (next != c.samples.size())
    throw DataError(file, kNoSample,
                    "shards hold " + std::to_string(next) + " of the index's " +
                        std::to_string(c.samples.size()) + " samples");
}

}  // namespace

IndexContents read_index(const fs::path& index_path) {
  const std::string file = index_path.string();
  const std::string buf = io::read_small_file(index_path);
  IndexContents c;
  size_t pos = 0;
  take(buf, pos, &c.header, 1, file);
  check_header(c.header, file);
  auto body = std::as_bytes(std::span(buf.data() + pos, buf.size() - pos));
  if (crc32c(body) != c.header.body_crc)
    throw DataError(file, kNoSample, "index body checksum mismatch (corrupt or truncated)");
  // The tables must fit in the file before they are allocated: the counts
  // are the file's word, the checksums only say the file was not changed.
  const uint64_t table_bytes = buf.size() - pos;
  if (c.header.shard_count > table_bytes / sizeof(ShardEntry) ||
      c.header.sample_count >
          (table_bytes - c.header.shard_count * sizeof(ShardEntry)) / sizeof(SampleEntry))
    throw DataError(file, kNoSample,
                    "index claims " + std::to_string(c.header.shard_count) + " shards and " +
                        std::to_string(c.header.sample_count) + " samples, more than its " +
                        std::to_string(table_bytes) + " bytes of tables hold");
  c.shards.resize(c.header.shard_count);
  c.samples.resize(c.header.sample_count);
  take(buf, pos, c.shards.data(), c.shards.size(), file);
  take(buf, pos, c.samples.data(), c.samples.size(), file);
  check_tables(c, file);
  if (pos + c.header.names_bytes != buf.size())
    throw DataError(file, kNoSample, "index names table has the wrong size");
  // Names are NUL-terminated: sample names first, then label names.
  std::vector<std::string> strings;
  for (size_t start = pos; start < buf.size();) {
    size_t end = buf.find('\0', start);
    if (end == std::string::npos) throw DataError(file, kNoSample, "unterminated name");
    strings.emplace_back(buf, start, end - start);
    start = end + 1;
  }
  if (strings.size() != c.samples.size() + c.header.label_count)
    throw DataError(file, kNoSample, "index names do not match the sample count");
  c.names.assign(strings.begin(), strings.begin() + static_cast<long>(c.samples.size()));
  c.labels.assign(strings.begin() + static_cast<long>(c.samples.size()), strings.end());
  return c;
}

PackedDataset::PackedDataset(const fs::path& dir) : gen_dir_(live_generation(dir)) {
  load_index(gen_dir_ / kIndexFile);
  open_shards();
}

PackedDataset::~PackedDataset() = default;

void PackedDataset::load_index(const fs::path& index_path) {
  IndexContents c = read_index(index_path);
  shards_ = std::move(c.shards);
  samples_ = std::move(c.samples);
  names_ = std::move(c.names);
  labels_ = std::move(c.labels);
  total_bytes_ = c.header.total_sample_bytes;
  for (size_t i = 0; i < samples_.size(); ++i) {
    const SampleEntry& e = samples_[i];
    if (e.shard >= shards_.size() || e.offset + e.length > shards_[e.shard].bytes)
      throw DataError(index_path.string(), i, "index entry points outside its shard");
  }
}

void PackedDataset::open_shards() {
  for (uint32_t s = 0; s < shards_.size(); ++s) {
    io::Fd fd(shard_path(s), O_RDONLY);
    uint64_t size = fd.size();
    if (size < shards_[s].bytes) {
      // Name the first sample the truncation cuts into.
      const ShardEntry& sh = shards_[s];
      uint64_t id = sh.first_sample;
      while (id < sh.first_sample + sh.sample_count &&
             samples_[id].offset + samples_[id].length <= size)
        ++id;
      const std::string what =
          "shard truncated: " + std::to_string(size) + " of " + std::to_string(sh.bytes) + " bytes";
      // The cut may lie past the last sample, in bytes no sample holds.
      if (id == sh.first_sample + sh.sample_count) throw DataError(fd.path(), kNoSample, what);
      throw DataError(fd.path(), id, what + " (sample '" + names_[id] + "')");
    }
    fds_.push_back(std::move(fd));
  }
}

void PackedDataset::fail_sample(uint32_t id, const std::string& what) const {
  throw DataError(shard_path(samples_[id].shard).string(), id,
                  what + " (sample '" + names_[id] + "')");
}

SampleRef PackedDataset::locate(uint32_t id) const {
  const SampleEntry& e = samples_.at(id);
  return {id, e.shard, e.offset, e.length};
}

void PackedDataset::read_run(std::span<const SampleRef> refs, std::span<std::byte> dst) {
  const uint64_t base = refs.front().offset;
  size_t got = fds_.at(refs.front().unit).pread_some(dst, base);
  for (const SampleRef& r : refs) {
    if (r.end() - base > got) fail_sample(r.id, "short read: shard truncated");
    auto bytes = dst.subspan(r.offset - base, r.length);
    if (crc32c(bytes) != samples_[r.id].crc) fail_sample(r.id, "checksum mismatch");
  }
}

std::vector<std::byte> PackedDataset::read(uint32_t id) {
  SampleRef r = locate(id);
  std::vector<std::byte> out(r.length);
  read_run(std::span(&r, 1), out);
  return out;
}

VerifyReport PackedDataset::verify() const {
  VerifyReport rep;
  std::vector<std::byte> buf;
  for (uint32_t s = 0; s < shards_.size(); ++s) {
    const ShardEntry& sh = shards_[s];
    const std::string file = shard_path(s).string();
    // Read the shard in 8 MiB pieces, each covering whole samples, so every
    // sample's checksum is checked from one buffer.
    uint32_t crc = 0;
    uint64_t id = sh.first_sample, end_id = sh.first_sample + sh.sample_count;
    uint64_t pos = 0;
    while (id < end_id) {
      uint64_t last = id;
      while (last + 1 < end_id &&
             samples_[last + 1].offset + samples_[last + 1].length - pos <= (8u << 20))
        ++last;
      uint64_t len = samples_[last].offset + samples_[last].length - pos;
      buf.resize(len);
      size_t got = fds_[s].pread_some(buf, pos);
      for (uint64_t i = id; i <= last; ++i) {
        const SampleEntry& e = samples_[i];
        if (e.offset + e.length - pos > got ||
            crc32c(std::span(buf).subspan(e.offset - pos, e.length)) != e.crc) {
          rep.ok = false;
          rep.file = file;
          rep.sample = i;
          rep.message = std::string(e.offset + e.length - pos > got ? "shard truncated"
                                                                    : "checksum mismatch") +
                        " at sample " + std::to_string(i) + " ('" + names_[i] + "')";
          return rep;
        }
      }
      crc = crc32c(std::span(buf).first(got), crc);
      rep.bytes_checked += got;
      pos += got;
      id = last + 1;
    }
    if (pos != sh.bytes || crc != sh.crc || fds_[s].size() != sh.bytes) {
      rep.ok = false;
      rep.file = file;
      rep.message = "shard checksum or size mismatch (bytes outside any sample changed)";
      return rep;
    }
  }
  return rep;
}

}  // namespace hycim::data
