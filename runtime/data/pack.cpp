#include "runtime/data/pack.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "runtime/data/crc32c.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/format.hpp"
#include "runtime/data/io.hpp"

namespace hycim::data {

namespace fs = std::filesystem;

std::vector<PackItem> scan_directory(const fs::path& src, std::vector<std::string>& label_names) {
  if (!fs::is_directory(src)) throw DataError(src.string(), kNoSample, "not a directory");
  std::vector<PackItem> items;
  std::map<std::string, int32_t> labels;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    fs::path rel = e.path().lexically_relative(src);
    PackItem it;
    it.name = rel.generic_string();
    if (std::distance(rel.begin(), rel.end()) > 1) labels.emplace(rel.begin()->string(), 0);
    it.label = std::distance(rel.begin(), rel.end()) > 1 ? 0 : -1;
    it.size = e.file_size();
    it.read = [path = e.path(), name = it.name](std::span<std::byte> dst) {
      io::Fd f(path, O_RDONLY);
      if (f.pread_some(dst, 0) != dst.size())
        throw DataError(path.string(), kNoSample, "file changed size while packing");
    };
    items.push_back(std::move(it));
  }
  label_names.clear();
  for (auto& [name, idx] : labels) {
    idx = static_cast<int32_t>(label_names.size());
    label_names.push_back(name);
  }
  for (auto& it : items)
    if (it.label == 0) it.label = labels.at(it.name.substr(0, it.name.find('/')));
  return items;
}

namespace {

uint64_t round_to_io_unit(uint64_t bytes, const fs::path& dir) {
  struct stat st;
  uint64_t unit = ::stat(dir.c_str(), &st) == 0 && st.st_blksize > 0 ? st.st_blksize : 4096;
  return std::max<uint64_t>(unit, (bytes + unit - 1) / unit * unit);
}

// Writes shards into dir, filling `samples` and `shards` in id order.
class ShardWriter {
 public:
  ShardWriter(fs::path dir, uint64_t target) : dir_(std::move(dir)), target_(target) {}

  void add(const PackItem& it, std::vector<SampleEntry>& samples, std::vector<ShardEntry>& shards) {
    if (it.size > UINT32_MAX) throw DataError(it.name, samples.size(), "sample larger than 4 GiB");
    if (file_.get() < 0 || (pos_ > 0 && pos_ + it.size > target_))
      open_next(shards, samples.size());
    buf_.resize(it.size);
    it.read(buf_);
    SampleEntry e{pos_, static_cast<uint32_t>(it.size), static_cast<uint32_t>(shards.size() - 1),
                  crc32c(buf_), it.label};
    file_.pwrite_all(buf_, pos_);
    pos_ += it.size;
    shards.back().bytes = pos_;
    shards.back().sample_count++;
    shards.back().crc = crc32c(buf_, shards.back().crc);
    samples.push_back(e);
  }

  // Syncs and closes the shard being written.
  void finish() {
    if (file_.get() >= 0) file_.sync();
    file_ = io::Fd();
  }

 private:
  void open_next(std::vector<ShardEntry>& shards, uint64_t first) {
    finish();
    shards.push_back(ShardEntry{0, first, 0, 0});
    file_ = io::Fd(dir_ / shard_file_name(static_cast<uint32_t>(shards.size() - 1)),
                   O_WRONLY | O_CREAT | O_TRUNC);
    pos_ = 0;
  }

  fs::path dir_;
  uint64_t target_;
  io::Fd file_;
  uint64_t pos_ = 0;
  std::vector<std::byte> buf_;
};

void write_index(const fs::path& path, const std::vector<ShardEntry>& shards,
                 const std::vector<SampleEntry>& samples, const std::vector<PackItem>& items,
                 const std::vector<std::string>& label_names, uint64_t total) {
  std::string names;
  for (const auto& it : items) names.append(it.name).push_back('\0');
  for (const auto& l : label_names) names.append(l).push_back('\0');
  std::string body;
  body.append(reinterpret_cast<const char*>(shards.data()), shards.size() * sizeof(ShardEntry));
  body.append(reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(SampleEntry));
  body += names;
  IndexHeader h{};
  std::memcpy(h.magic, kIndexMagic, sizeof h.magic);
  h.version = kFormatVersion;
  h.header_bytes = sizeof h;
  h.sample_count = samples.size();
  h.shard_count = static_cast<uint32_t>(shards.size());
  h.label_count = static_cast<uint32_t>(label_names.size());
  h.names_bytes = names.size();
  h.total_sample_bytes = total;
  h.body_crc = crc32c(std::as_bytes(std::span(body.data(), body.size())));
  h.header_crc = crc32c(std::as_bytes(std::span(&h, 1)));
  io::Fd f(path, O_WRONLY | O_CREAT | O_TRUNC);
  f.write_all(std::as_bytes(std::span(&h, 1)));
  f.write_all(std::as_bytes(std::span(body.data(), body.size())));
  f.sync();
}

}  // namespace

PackResult pack_items(std::vector<PackItem> items, const std::vector<std::string>& label_names,
                      const fs::path& out_dir, const PackOptions& opts) {
  // Size classes first, so a shard holds samples of similar size (dense
  // packing, and a size class can be placed on a tier as a whole); names
  // second, so the result does not depend on directory listing order.
  std::sort(items.begin(), items.end(), [](const PackItem& a, const PackItem& b) {
    auto ca = std::bit_width(a.size), cb = std::bit_width(b.size);
    return ca != cb ? ca < cb : a.name < b.name;
  });
  PackResult res;
  const fs::path tmp = begin_generation(out_dir);
  res.shard_bytes = round_to_io_unit(opts.shard_bytes, out_dir);
  std::vector<ShardEntry> shards;
  std::vector<SampleEntry> samples;
  ShardWriter writer(tmp, res.shard_bytes);
  uint64_t total = 0, bytes_total = 0;
  for (const auto& it : items) bytes_total += it.size;
  for (size_t i = 0; i < items.size(); ++i) {
    size_t before = shards.size();
    writer.add(items[i], samples, shards);
    total += items[i].size;
    if (opts.on_shard && shards.size() > before && before > 0)
      opts.on_shard(
          {i, items.size(), total - items[i].size, bytes_total, static_cast<uint32_t>(before)});
  }
  writer.finish();
  if (opts.on_shard)
    opts.on_shard(
        {items.size(), items.size(), total, bytes_total, static_cast<uint32_t>(shards.size())});
  write_index(tmp / kIndexFile, shards, samples, items, label_names, total);
  res.generation_dir = commit_generation(tmp);
  res.samples = samples.size();
  res.bytes = total;
  res.shards = static_cast<uint32_t>(shards.size());
  return res;
}

PackResult pack_directory(const fs::path& src, const fs::path& out_dir, const PackOptions& opts) {
  std::vector<std::string> labels;
  auto items = scan_directory(src, labels);
  return pack_items(std::move(items), labels, out_dir, opts);
}

}  // namespace hycim::data
