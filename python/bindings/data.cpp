// hycim.data's native half: packing samples into shards, a packed dataset
// opened for reading, and the loader's epochs of shuffled batches read
// through the shuffle-aware prefetch cache. A batch's samples arrive as one
// 2-D uint8 array when they all have one size (the usual case: fixed-size
// records), else as one array per sample.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "python/bindings/arrays.hpp"
#include "python/bindings/bindings.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/loader.hpp"
#include "runtime/data/pack.hpp"

namespace hycim::python {
namespace {

using namespace hycim::data;

std::string result_json(const PackResult& r) {
  return nlohmann::json{{"generation", r.generation_dir.string()},
                        {"samples", r.samples},
                        {"bytes", r.bytes},
                        {"shards", r.shards},
                        {"shard_bytes", r.shard_bytes}}
      .dump();
}

// Packs samples given as buffers (copied once, under the GIL) with their labels.
std::string pack(const std::filesystem::path& out, const py::list& samples,
                 const std::vector<int32_t>& labels, const std::vector<std::string>& names,
                 const std::vector<std::string>& label_names, uint64_t shard_bytes) {
  if (labels.size() != samples.size())
    throw DataError(out.string(), kNoSample,
                    std::to_string(samples.size()) + " samples but " +
                        std::to_string(labels.size()) + " labels");
  if (!names.empty() && names.size() != samples.size())
    throw DataError(
        out.string(), kNoSample,
        std::to_string(samples.size()) + " samples but " + std::to_string(names.size()) + " names");
  auto bytes = std::make_shared<std::vector<std::vector<std::byte>>>();
  std::vector<PackItem> items;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto c = py::array::ensure(samples[i], py::array::c_style);
    if (!c) throw py::type_error("sample " + std::to_string(i) + " is not an array or buffer");
    std::vector<std::byte> v(static_cast<size_t>(c.nbytes()));
    if (!v.empty()) std::memcpy(v.data(), c.data(), v.size());
    bytes->push_back(std::move(v));
    PackItem it;
    it.name = names.empty() ? "sample-" + std::to_string(i) : names[i];
    it.label = labels[i];
    it.size = bytes->back().size();
    it.read = [bytes, i](std::span<std::byte> dst) {
      std::memcpy(dst.data(), (*bytes)[i].data(), dst.size());
    };
    items.push_back(std::move(it));
  }
  PackOptions opts;
  if (shard_bytes) opts.shard_bytes = shard_bytes;
  py::gil_scoped_release free;
  return result_json(pack_items(std::move(items), label_names, out, opts));
}

struct NativeBatch {
  uint64_t epoch = 0, index = 0;
  py::array ids, labels;
  py::object data;  // [B, size] uint8, or a list of per-sample arrays
};

NativeBatch to_python(Batch&& b) {
  NativeBatch nb;
  nb.epoch = b.epoch;
  nb.index = b.index;
  const auto n = static_cast<py::ssize_t>(b.samples.size());
  py::array_t<uint32_t> ids(n);
  py::array_t<int32_t> labels(n);
  bool same = n > 0;
  for (py::ssize_t i = 0; i < n; ++i) {
    ids.mutable_at(i) = b.samples[size_t(i)].id;
    labels.mutable_at(i) = b.samples[size_t(i)].label;
    same = same && b.samples[size_t(i)].bytes.size() == b.samples[0].bytes.size();
  }
  nb.ids = ids;
  nb.labels = labels;
  if (same) {
    const auto size = static_cast<py::ssize_t>(b.samples[0].bytes.size());
    py::array_t<uint8_t> data({n, size});
    for (py::ssize_t i = 0; i < n; ++i)
      if (size)
        std::memcpy(data.mutable_data(i, 0), b.samples[size_t(i)].bytes.data(), size_t(size));
    nb.data = data;
  } else {
    py::list l;
    for (auto& s : b.samples) l.append(array_from_bytes(std::move(s.bytes)));
    nb.data = l;
  }
  return nb;
}

std::string stats_json(const CacheStats& s) {
  return nlohmann::json{{"requests", s.requests},
                        {"hits", s.hits},
                        {"hit_rate", s.hit_rate()},
                        {"requests_after_warmup", s.requests_after_warmup},
                        {"hits_after_warmup", s.hits_after_warmup},
                        {"hit_rate_after_warmup", s.hit_rate_after_warmup()},
                        {"stall_ns", s.stall_ns},
                        {"bytes_read", s.bytes_read},
                        {"reads", s.reads},
                        {"peak_reserved_bytes", s.peak_reserved_bytes}}
      .dump();
}

}  // namespace

void bind_data(py::module_& m) {
  m.def("pack", &pack, py::arg("out"), py::arg("samples"), py::arg("labels"), py::arg("names"),
        py::arg("label_names"), py::arg("shard_bytes"));
  m.def(
      "pack_directory",
      [](const std::filesystem::path& src, const std::filesystem::path& out, uint64_t shard_bytes) {
        PackOptions opts;
        if (shard_bytes) opts.shard_bytes = shard_bytes;
        return result_json(pack_directory(src, out, opts));
      },
      py::arg("src"), py::arg("out"), py::arg("shard_bytes"),
      py::call_guard<py::gil_scoped_release>());

  py::class_<PackedDataset>(m, "NativeDataset")
      .def(py::init<const std::filesystem::path&>(), py::arg("path"),
           py::call_guard<py::gil_scoped_release>())
      .def("__len__", &PackedDataset::sample_count)
      .def("label", &PackedDataset::label)
      .def("name", &PackedDataset::name)
      .def("label_names", &PackedDataset::label_names)
      .def("total_bytes", &PackedDataset::total_bytes)
      .def("shard_count", [](const PackedDataset& d) { return d.shards().size(); })
      .def("generation", [](const PackedDataset& d) { return d.generation_dir().string(); })
      .def("read",
           [](PackedDataset& d, uint32_t id) {
             if (id >= d.sample_count())
               throw py::index_error("sample " + std::to_string(id) + " of " +
                                     std::to_string(d.sample_count()));
             std::vector<std::byte> bytes;
             {
               py::gil_scoped_release free;
               bytes = d.read(id);
             }
             return array_from_bytes(std::move(bytes));
           })
      .def("verify", [](const PackedDataset& d) {
        VerifyReport r;
        {
          py::gil_scoped_release free;
          r = d.verify();
        }
        return nlohmann::json{
            {"ok", r.ok},
            {"file", r.file},
            {"sample", r.sample == UINT64_MAX ? nlohmann::json(nullptr) : nlohmann::json(r.sample)},
            {"message", r.message},
            {"bytes_checked", r.bytes_checked}}
            .dump();
      });

  py::class_<NativeBatch>(m, "NativeBatch")
      .def_readonly("epoch", &NativeBatch::epoch)
      .def_readonly("index", &NativeBatch::index)
      .def_readonly("ids", &NativeBatch::ids)
      .def_readonly("labels", &NativeBatch::labels)
      .def_readonly("data", &NativeBatch::data);

  py::class_<Loader>(m, "NativeLoader")
      .def(py::init([](PackedDataset& d, uint32_t batch_size, uint64_t seed, uint32_t rank,
                       uint32_t world, bool pad, bool drop_last_batch, uint64_t capacity_bytes,
                       unsigned workers) {
             LoaderOptions o;
             o.batch_size = batch_size;
             o.seed = seed;
             o.rank = rank;
             o.world = world;
             o.remainder = pad ? Remainder::pad : Remainder::drop;
             o.drop_last_batch = drop_last_batch;
             if (capacity_bytes) o.cache.capacity_bytes = capacity_bytes;
             if (workers) o.cache.workers = workers;
             return std::make_unique<Loader>(d, o);
           }),
           py::arg("dataset"), py::arg("batch_size"), py::arg("seed"), py::arg("rank"),
           py::arg("world"), py::arg("pad"), py::arg("drop_last_batch"), py::arg("capacity_bytes"),
           py::arg("workers"), py::keep_alive<1, 2>())
      .def("batches_per_epoch", &Loader::batches_per_epoch)
      .def("next_epoch_ready", &Loader::next_epoch_ready)
      .def("sequence", &Loader::sequence)
      .def("start_epoch", &Loader::start_epoch, py::arg("epoch"), py::arg("first_batch") = 0,
           py::call_guard<py::gil_scoped_release>())
      .def("next",
           [](Loader& l) -> py::object {
             Batch b;
             bool more;
             {
               py::gil_scoped_release free;
               more = l.next(b);
             }
             if (!more) return py::none();
             return py::cast(to_python(std::move(b)));
           })
      .def("stats", [](const Loader& l) { return stats_json(l.epoch_stats()); })
      .def("total_stats", [](const Loader& l) { return stats_json(l.total_stats()); });
}

}  // namespace hycim::python
