#include "runtime/onnx/session.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <utility>

#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/multi_engine.hpp"
#include "runtime/onnx/qdq_fusion.hpp"

namespace hycim::runtime {
namespace {

bool same_shape(const Shape& want, const Shape& got) {
  if (want.size() != got.size()) return false;
  for (size_t i = 0; i < want.size(); ++i)
    if (want[i] >= 0 && want[i] != got[i]) return false;
  return true;
}

std::string describe(const ValueInfo& v) {
  Shape s = v.dims;
  std::string dims;
  for (size_t i = 0; i < s.size(); ++i)
    dims += (i ? "," : "") + (s[i] < 0 ? std::string("?") : std::to_string(s[i]));
  return fmt::format("{} [{}]", to_string(v.dtype), dims);
}

// How a refusal names what a node was making when its output is not known
// by name (a tensor the kernel allocates).
std::string outputs_of(const Node& node) {
  std::vector<std::string> names;
  for (const auto& o : node.outputs)
    if (!o.empty()) names.push_back(o);
  if (names.size() == 1) return fmt::format("output '{}'", names[0]);
  return fmt::format("a tensor for its outputs ('{}')", fmt::join(names, "', '"));
}

}  // namespace

uint64_t default_max_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return uint64_t{4} << 30;  // the machine does not say
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
}

std::unique_ptr<Backend> make_backend(const SessionOptions& options) {
  if (options.backend == "cpu") return make_cpu_backend();
  if (options.backend == "tiles") {
    try {
      auto open = [](const std::string& uri) {
        cim::DriverEngineOptions engine;
        engine.uri = uri;
        return std::make_unique<cim::DriverEngine>(engine);
      };
      std::unique_ptr<cim::MvmEngine> engine = open(options.device);
      if (!options.more_devices.empty()) {
        std::vector<std::unique_ptr<cim::MvmEngine>> group;
        group.push_back(std::move(engine));
        for (const auto& uri : options.more_devices) group.push_back(open(uri));
        engine = std::make_unique<cim::MultiDeviceEngine>(std::move(group));
      }
      return make_cim_backend(std::move(engine), options.residency_log, options.lock_timeout,
                              options.placement);
    } catch (const cim::EngineError& e) {
      throw RuntimeError(e.what());
    }
  }
  throw RuntimeError(fmt::format("backend '{}': expected 'tiles' or 'cpu'", options.backend));
}

Session::Session(Graph graph, const SessionOptions& options)
    : Session(std::move(graph), make_backend(options), options.max_memory, options.budget_hint) {}

Session::Session(Graph graph, std::unique_ptr<Backend> backend, uint64_t max_memory,
                 std::string budget_hint)
    : graph_(std::move(graph)),
      backend_(std::move(backend)),
      budget_(max_memory ? max_memory : default_max_memory()),
      budget_hint_(std::move(budget_hint)) {
  {
    // Folding runs kernels now, and what they make stays as initializers, so
    // the budget holds here too; a node whose folding it refuses is left to
    // run, and that run's refusal names it.
    uint64_t held = 0;
    for (const auto& [name, t] : graph_.initializers) held += t.bytes();
    if (held > budget_)
      throw MemoryBudgetError(
          fmt::format("{}: the model's initializers take {}, more than the memory budget of {} "
                      "({})",
                      graph_.source, byte_string(held), byte_string(budget_), budget_hint_));
    AllocationCheck check([this, held](uint64_t bytes) {
      if (held + bytes > budget_)
        throw MemoryBudgetError(fmt::format(
            "{}: a constant folded at load needs {} with {} of initializers; the memory budget "
            "is {} ({})",
            graph_.source, byte_string(bytes), byte_string(held), byte_string(budget_),
            budget_hint_));
    });
    passes_ = optimize_graph(graph_);
  }
  check_supported();
  backend_->set_model_label(std::filesystem::path(graph_.source).filename().string());
  if (backend_->quantizes_float()) fuse_qdq_matmuls(graph_);
  for (const auto& [name, t] : graph_.initializers) initializer_bytes_ += t.bytes();
  // A value is freed after the last node that reads it (or, when none does,
  // the node that makes it); the graph's outputs are kept to be returned.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    for (const auto& n : graph_.nodes[i].inputs)
      if (!n.empty()) last[n] = i;
    for (const auto& n : graph_.nodes[i].outputs)
      if (!n.empty()) last[n] = i;
  }
  for (const ValueInfo& v : graph_.outputs) last.erase(v.name);
  dead_after_.assign(graph_.nodes.size(), {});
  for (const auto& [name, i] : last)
    if (!graph_.initializers.count(name)) dead_after_[i].push_back(name);
  auto it = graph_.metadata.find(kRangesKey);
  if (it != graph_.metadata.end()) ranges_ = ranges_from_json(it->second, graph_.source);
}

void Session::check_supported() const {
  const auto& table = kernel_table();
  std::vector<std::string> refused;
  for (const Node& n : graph_.nodes) {
    if (!n.domain.empty() && n.domain != "ai.onnx")
      refused.push_back(
          fmt::format("{}: operator domain '{}' is not supported (only the default ONNX domain)",
                      n.label(), n.domain));
    // hycim.* kernels are internal (fused patterns), never a model's own operator.
    else if (!table.count(n.op_type) || n.op_type.rfind("hycim.", 0) == 0)
      refused.push_back(
          fmt::format("{}: operator {} is not supported by hycim", n.label(), n.op_type));
  }
  if (refused.empty()) return;
  std::vector<std::string> names;
  for (const auto& [name, fn] : table)
    if (name.rfind("hycim.", 0) != 0) names.push_back(name);
  throw RuntimeError(fmt::format("{} (opset {}): {} node{} cannot run: {} (supported: {})",
                                 graph_.source, graph_.opset, refused.size(),
                                 refused.size() == 1 ? "" : "s", fmt::join(refused, "; "),
                                 fmt::join(names, ", ")));
}

void Session::check_inputs(const TensorMap& inputs) const {
  std::set<std::string> known;
  for (const ValueInfo& v : graph_.inputs) {
    known.insert(v.name);
    auto it = inputs.find(v.name);
    if (it == inputs.end())
      throw RuntimeError(fmt::format("missing input '{}' ({})", v.name, describe(v)));
    const Tensor& t = it->second;
    if (t.dtype() != v.dtype || !same_shape(v.dims, t.shape()))
      throw RuntimeError(fmt::format("input '{}': expected {}, got {} {}", v.name, describe(v),
                                     to_string(t.dtype()), shape_string(t.shape())));
  }
  for (const auto& [name, t] : inputs)
    if (!known.count(name))
      throw RuntimeError(fmt::format("'{}' is not an input of {}", name, graph_.source));
}

void Session::plan_placement(const TensorMap& inputs) {
  // One pass over the graph with the products left out collects every weight
  // the kernels prepare, so the backend can place them all at once (densely,
  // or streamed) before any is programmed, and refuse a model that does not
  // fit before touching the NVM.
  ActivationObserver* observed = std::exchange(observed_, nullptr);
  backend_->begin_collect();
  try {
    RunMemory mem;
    start_run(inputs, mem);
    TensorMap values = inputs;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) run_node(i, values, false, mem);
  } catch (...) {
    observed_ = observed;
    backend_->end_run();
    backend_->abort_collect();
    throw;
  }
  observed_ = observed;
  backend_->end_run();
  try {
    // Packed products that would not stay resident: again, one per group.
    if (!backend_->place_collected()) plan_placement(inputs);
  } catch (const cim::EngineError& e) {
    throw RuntimeError(fmt::format("{}: {}", graph_.source, e.what()));
  }
}

TensorMap Session::run(const TensorMap& inputs) {
  check_inputs(inputs);
  const uint64_t w0 = backend_->nvm_rows_written();
  stats_ = RunStats{};
  bounds_.clear();
  RunMemory mem;
  start_run(inputs, mem);
  TensorMap values = inputs;
  const auto c0 = backend_->cycles(), p0 = backend_->program_cycles();
  const double e0 = backend_->energy_pj(), pe0 = backend_->program_energy_pj();
  const double t0 = backend_->device_time_ns(), pt0 = backend_->program_time_ns();
  run_start_ = std::chrono::steady_clock::now();
  // The first run places the weights first; what that costs is this run's.
  if (backend_->plans_placement()) plan_placement(inputs);
  try {
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      run_node(i, values, true, mem);
      if (on_node_) on_node_(i + 1, graph_.nodes.size(), graph_.nodes[i].label());
    }
  } catch (...) {
    backend_->end_run();
    throw;
  }
  backend_->end_run();
  backend_->save_residency();
  const auto c1 = backend_->cycles(), p1 = backend_->program_cycles();
  for (size_t t = 0; t < c1.size(); ++t) {
    stats_.program_cycles += p1[t] - p0[t];
    stats_.tile_cycles += (c1[t] - c0[t]) - (p1[t] - p0[t]);
  }
  stats_.program_energy_pj = backend_->program_energy_pj() - pe0;
  stats_.energy_pj = backend_->energy_pj() - e0 - stats_.program_energy_pj;
  stats_.program_sim_us = (backend_->program_time_ns() - pt0) / 1000;
  stats_.sim_us = (backend_->device_time_ns() - t0) / 1000 - stats_.program_sim_us;
  stats_.host_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - run_start_)
          .count();
  stats_.nvm_rows_written = backend_->nvm_rows_written() - w0;
  peak_ = mem.peak;
  TensorMap out;
  for (const ValueInfo& v : graph_.outputs) {
    auto it = values.find(v.name);
    if (it == values.end()) throw RuntimeError(fmt::format("output '{}' was not computed", v.name));
    out.emplace(v.name, std::move(it->second));
  }
  return out;
}

TensorMap Session::load() {
  TensorMap zeros;
  for (const ValueInfo& v : graph_.inputs) {
    Shape shape = v.dims;
    for (auto& d : shape)
      if (d < 0) d = 1;  // a symbolic dimension (batch): one is enough to place the weights
    zeros.emplace(v.name, Tensor(v.dtype, shape));
  }
  return run(zeros);
}

void Session::start_run(const TensorMap& inputs, RunMemory& mem) const {
  uint64_t in = 0;
  for (const auto& [name, t] : inputs) in += t.bytes();
  if (initializer_bytes_ + in > budget_)
    throw MemoryBudgetError(
        fmt::format("{}: the inputs ({}) and initializers ({}) exceed the run's memory budget of "
                    "{} ({})",
                    graph_.source, byte_string(in), byte_string(initializer_bytes_),
                    byte_string(budget_), budget_hint_));
  mem.live += initializer_bytes_ + in;
  uint64_t peak = mem.peak.load(), now = mem.live.load();
  while (now > peak && !mem.peak.compare_exchange_weak(peak, now)) {
  }
}

void Session::refuse(const Node& node, const std::string& tensor, uint64_t bytes,
                     uint64_t live) const {
  throw MemoryBudgetError(
      fmt::format("{}: {}: {} needs {} with {} live; the run's memory budget is {} ({})",
                  graph_.source, node.label(), tensor, byte_string(bytes), byte_string(live),
                  byte_string(budget_), budget_hint_));
}

void Session::run_node(size_t index, TensorMap& values, bool collect, RunMemory& mem) {
  const Node& node = graph_.nodes[index];
  // Outputs whose shape is known before the node runs are checked before the
  // kernel allocates anything (its scratch included).
  uint64_t pending = mem.live.load();
  for (const std::string& name : node.outputs) {
    auto it = name.empty() ? graph_.values.end() : graph_.values.find(name);
    if (it == graph_.values.end() || std::any_of(it->second.dims.begin(), it->second.dims.end(),
                                                 [](int64_t d) { return d < 0; }))
      continue;
    int64_t n = 0;
    try {
      n = element_count(it->second.dims);
    } catch (const RuntimeError&) {
      continue;  // beyond one tensor's limit: the kernel refuses it, naming the shape
    }
    const uint64_t bytes = bytes_of(it->second.dtype, n);
    if (pending + bytes > budget_) refuse(node, fmt::format("output '{}'", name), bytes, pending);
    pending += bytes;
  }
  ExecContext ctx{node,      graph_.opset, {},       {}, std::vector<Tensor>(node.outputs.size()),
                  *backend_, &ranges_,     observed_};
  for (const std::string& name : node.inputs) {
    const Tensor* t = nullptr;
    if (!name.empty()) {
      auto init = graph_.initializers.find(name);
      auto val = values.find(name);
      t = val != values.end()                 ? &val->second
          : init != graph_.initializers.end() ? &init->second
                                              : nullptr;
      if (!t)
        throw RuntimeError(fmt::format("{}: {}: input '{}' is not computed before it",
                                       graph_.source, node.label(), name));
    }
    ctx.in.push_back(t);
    ctx.in_const.push_back(!name.empty() && graph_.initializers.count(name) && !values.count(name));
  }
  if (!collect) {  // a pipelined run: other threads use the backend meanwhile
    run_kernel(node, ctx, mem);
    std::lock_guard lock(bounds_mu_);
    store_outputs(index, ctx, values, mem);
    return;
  }
  const auto c0 = backend_->cycles(), p0 = backend_->program_cycles();
  const double e0 = backend_->energy_pj(), pe0 = backend_->program_energy_pj();
  const double t0 = backend_->device_time_ns(), pt0 = backend_->program_time_ns();
  const uint64_t w0 = backend_->nvm_rows_written();
  const auto start = std::chrono::steady_clock::now();
  run_kernel(node, ctx, mem);
  const auto end = std::chrono::steady_clock::now();
  LayerStats layer;
  layer.node = node.label();
  layer.name = node.name;
  layer.op = node.op_type;
  layer.host_start_us = std::chrono::duration<double, std::micro>(start - run_start_).count();
  layer.host_us = std::chrono::duration<double, std::micro>(end - start).count();
  const auto c1 = backend_->cycles(), p1 = backend_->program_cycles();
  for (size_t t = 0; t < c1.size(); ++t) {
    const uint64_t mvm = (c1[t] - c0[t]) - (p1[t] - p0[t]);
    layer.tile_cycles.push_back(mvm);
    layer.cycles = std::max(layer.cycles, mvm);
    layer.on_device = layer.on_device || c1[t] != c0[t];
  }
  if (layer.on_device) {
    layer.program_energy_pj = backend_->program_energy_pj() - pe0;
    layer.program_sim_ns = backend_->program_time_ns() - pt0;
    layer.energy_pj = (backend_->energy_pj() - e0) - layer.program_energy_pj;
    layer.sim_ns = (backend_->device_time_ns() - t0) - layer.program_sim_ns;
    for (size_t t = 0; t < p1.size(); ++t)
      layer.program_cycles = std::max(layer.program_cycles, p1[t] - p0[t]);
    layer.nvm_rows_written = backend_->nvm_rows_written() - w0;
  }
  stats_.cycles += layer.cycles;
  stats_.layers.push_back(layer);
  store_outputs(index, ctx, values, mem);
}

void Session::run_kernel(const Node& node, ExecContext& ctx, RunMemory& mem) {
  // Every tensor the kernel allocates is checked against what the run holds
  // before it is made: one tensor at a time, as a kernel's temporaries come
  // and go; its outputs are counted when stored.
  AllocationCheck check([&](uint64_t bytes) {
    const uint64_t live = mem.live.load();
    if (live + bytes > budget_) refuse(node, outputs_of(node), bytes, live);
  });
  try {
    kernel_table().at(node.op_type)(ctx);
  } catch (const MemoryBudgetError&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError(fmt::format("{}: {}: {}", graph_.source, node.label(), e.what()));
  }
}

void Session::store_outputs(size_t index, ExecContext& ctx, TensorMap& values, RunMemory& mem) {
  const Node& node = graph_.nodes[index];
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    if (ctx.error_bound > 0) bounds_[node.outputs[i]] = ctx.error_bound;
    const uint64_t bytes = ctx.out[i].bytes();
    const uint64_t before = mem.live.fetch_add(bytes);
    if (before + bytes > budget_) {
      mem.live -= bytes;
      refuse(node, fmt::format("output '{}'", node.outputs[i]), bytes, before);
    }
    uint64_t peak = mem.peak.load();
    while (before + bytes > peak && !mem.peak.compare_exchange_weak(peak, before + bytes)) {
    }
    auto [it, fresh] = values.try_emplace(node.outputs[i]);
    if (!fresh) mem.live -= it->second.bytes();  // a value made again replaces the first
    it->second = std::move(ctx.out[i]);
  }
  for (const std::string& name : dead_after_[index]) {
    auto it = values.find(name);
    if (it == values.end()) continue;
    mem.live -= it->second.bytes();
    values.erase(it);
  }
}

std::vector<TensorMap> Session::run_many(const std::vector<TensorMap>& requests, size_t depth) {
  for (const TensorMap& r : requests) check_inputs(r);
  if (!requests.empty() && backend_->plans_placement()) plan_placement(requests.front());
  pipeline_ = PipelineStats{};
  bounds_.clear();
  depth = std::max<size_t>(1, std::min(depth, requests.size()));
  std::vector<TensorMap> outputs(requests.size());
  const double e0 = backend_->energy_pj(), t0 = backend_->device_time_ns();
  const auto c0 = backend_->cycles();
  const auto start = std::chrono::steady_clock::now();
  // `depth` workers take requests in order; each runs its request's nodes in
  // sequence, and the backend gathers the MVMs of all workers into common
  // device batches, so request i+1's first layer runs beside request i's
  // second. Outputs are the same as run() on each request alone.
  std::atomic<size_t> next{0};
  RunMemory mem;  // all requests in flight share the budget
  mem.live = initializer_bytes_;
  std::mutex error_mu;
  std::exception_ptr error;
  backend_->begin_pipeline(depth);
  auto worker = [&] {
    try {
      for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
        uint64_t in = 0;
        for (const auto& [name, t] : requests[i]) in += t.bytes();
        if (mem.live.fetch_add(in) + in > budget_) {
          mem.live -= in;
          throw MemoryBudgetError(fmt::format(
              "{}: request {}'s inputs ({}) exceed what the run's memory budget of {} leaves "
              "({})",
              graph_.source, i, byte_string(in), byte_string(budget_), budget_hint_));
        }
        TensorMap values = requests[i];
        for (size_t n = 0; n < graph_.nodes.size(); ++n) run_node(n, values, false, mem);
        uint64_t held = 0;  // what this request still holds, handed to the caller below
        for (const auto& [name, t] : values) held += t.bytes();
        mem.live -= held;
        for (const ValueInfo& v : graph_.outputs) {
          auto it = values.find(v.name);
          if (it == values.end())
            throw RuntimeError(fmt::format("output '{}' was not computed", v.name));
          outputs[i].emplace(v.name, std::move(it->second));
        }
      }
    } catch (...) {
      std::lock_guard lock(error_mu);
      if (!error) error = std::current_exception();
      next = requests.size();  // the others stop after their current request
    }
    backend_->leave_pipeline();
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < depth; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const auto [batches, jobs] = backend_->end_pipeline();
  backend_->end_run();
  backend_->save_residency();
  if (error) std::rethrow_exception(error);
  pipeline_.requests = requests.size();
  pipeline_.depth = depth;
  pipeline_.device_batches = batches;
  pipeline_.mvms = jobs;
  pipeline_.sim_us = (backend_->device_time_ns() - t0) / 1000;
  pipeline_.energy_pj = backend_->energy_pj() - e0;
  const auto c1 = backend_->cycles();
  for (size_t t = 0; t < c1.size(); ++t) pipeline_.tile_cycles += c1[t] - c0[t];
  pipeline_.host_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  return outputs;
}

std::string ranges_to_json(const Ranges& r) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, range] : r) j[name] = {range.lo, range.hi};
  return j.dump();
}

Ranges ranges_from_json(const std::string& text, const std::string& source) {
  Ranges r;
  try {
    const auto j = nlohmann::json::parse(text);
    for (const auto& [name, v] : j.items()) {
      const Range range{v.at(0).get<float>(), v.at(1).get<float>()};
      // A range quantization can use: 1e300 reads as an infinite float.
      if (!std::isfinite(range.lo) || !std::isfinite(range.hi) || range.lo > range.hi)
        throw RuntimeError(fmt::format("{}: metadata {} is not valid: '{}' has range [{}, {}]",
                                       source, kRangesKey, name, v.at(0).dump(), v.at(1).dump()));
      r[name] = range;
    }
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeError(
        fmt::format("{}: metadata {} is not valid: {}", source, kRangesKey, e.what()));
  }
  return r;
}

}  // namespace hycim::runtime
