#include "runtime/memplan/executor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

namespace hycim::memplan {

namespace {

std::uint64_t fnv(const std::vector<std::uint8_t>& v, std::uint64_t h = 1469598103934665603ull) {
  for (std::uint8_t b : v) h = (h ^ b) * 1099511628211ull;
  return h;
}

std::uint32_t seed_of(int op, int out) {
  return static_cast<std::uint32_t>(op * 7919 + out + 1);
}

// One iteration's state; the public execute() only builds and runs it.
class Run {
 public:
  Run(const Trace& tr, const std::vector<Lifetime>& lt, const Plan& plan, Backend& be,
      std::uint64_t capacity)
      : tr_(tr),
        lt_(lt),
        plan_(plan),
        be_(be),
        off_(off_gpu_tensors(tr, plan.offloaded)),
        alloc_(be.device_source(), capacity, [&be](std::uint64_t e) { return be.done(e); }),
        dev_(tr.tensors.size()),
        host_(tr.tensors.size()),
        sum_(tr.tensors.size(), 0) {
    r_.sparsity.assign(tr.tensors.size(), -1.0);
    r_.op_us.assign(tr.ops.size(), 0.0);
  }

  ExecResult go() {
    try {
      setup_persistent();
      for (int j = 0; j < static_cast<int>(tr_.ops.size()); ++j) slot(j);
      be_.synchronize();
      for (const auto& t : timing_) r_.op_us[t.op] = be_.elapsed_us(t.from, t.to);
      for (std::size_t i = 0; i < tr_.tensors.size(); ++i)
        if (tr_.tensors[i].kind == TensorKind::kWeightGrad && dev_[i].valid())
          r_.digest = fnv(download(static_cast<int>(i)), r_.digest ^ i);
    } catch (const MemplanError& e) {
      r_.ok = false;
      r_.error = e.what();
    }
    r_.alloc = alloc_.stats();  // before the teardown below empties it
    be_.synchronize();
    for (std::size_t i = 0; i < dev_.size(); ++i)  // the cache hands all back to the source
      if (dev_[i].valid()) release(static_cast<int>(i), kCompute);
    return std::move(r_);
  }

 private:
  Block& need(int id, int j) {
    if (!dev_[id].valid())
      throw MemplanError(fmt::format("executor: op '{}' needs '{}', which is not on the device",
                                     tr_.ops[j].name, tr_.tensors[id].name));
    return dev_[id];
  }

  void allocate(int id, Stream s) {
    dev_[id] = alloc_.allocate(tr_.tensors[id].bytes, s);
    if (!dev_[id].valid())
      throw MemplanError(fmt::format("executor: out of device memory allocating '{}' ({} bytes)",
                                     tr_.tensors[id].name, tr_.tensors[id].bytes));
  }

  void release(int id, Stream s) {
    alloc_.free(dev_[id], s, be_.record(s));
    dev_[id] = {};
  }

  std::vector<std::uint8_t> download(int id) {
    std::vector<std::uint8_t> v(tr_.tensors[id].bytes);
    be_.read(v.data(), dev_[id].ptr, v.size());
    return v;
  }

  void setup_persistent() {
    for (std::size_t i = 0; i < tr_.tensors.size(); ++i) {
      if (!is_persistent(tr_.tensors[i].kind)) continue;
      std::vector<std::uint8_t> v(tr_.tensors[i].bytes);
      for (std::size_t k = 0; k < v.size(); ++k) v[k] = static_cast<std::uint8_t>(k * 13 + i);
      if (off_[i]) {
        host_[i] = std::move(v);
        continue;
      }
      allocate(static_cast<int>(i), kCompute);
      be_.fill(dev_[i].ptr, v.data(), v.size());
    }
  }

  // Runs op j's kernel for output `out` (its position k in the op's writes).
  void compute(int j, int out, int k) {
    KernelArgs a;
    a.seed = seed_of(j, k);
    for (int x : tr_.ops[j].reads) {
      a.inputs.push_back(static_cast<const std::uint8_t*>(need(x, j).ptr));
      a.input_bytes.push_back(tr_.tensors[x].bytes);
    }
    a.output = static_cast<std::uint8_t*>(need(out, j).ptr);
    a.output_bytes = tr_.tensors[out].bytes;
    a.sparsity = tr_.tensors[out].sparsity;
    be_.run(a, kCompute);
  }

  void check_restored(int id) {
    if (fnv(download(id)) != sum_[id]) ++r_.mismatches;
  }

  void offloaded_op(int j);
  void slot(int j);
  void after_op(int j);

  const Trace& tr_;
  const std::vector<Lifetime>& lt_;
  const Plan& plan_;
  Backend& be_;
  std::vector<bool> off_;
  CachingAllocator alloc_;
  std::vector<Block> dev_;
  std::vector<std::vector<std::uint8_t>> host_;  // host pool: swapped and off-GPU tensors
  std::vector<std::uint64_t> sum_;               // checksum at first production
  std::unordered_map<int, std::uint64_t> out_event_, in_event_;
  struct Timing {
    int op;
    std::uint64_t from, to;
  };
  std::vector<Timing> timing_;
  ExecResult r_;
};

// Offloaded op: on the host, standing in for the CIM device. Results the GPU
// reads (a teacher's logits) are uploaded; the rest stay off the GPU.
void Run::offloaded_op(int j) {
  const Op& op = tr_.ops[j];
  std::vector<std::vector<std::uint8_t>> ins;
  KernelArgs a;
  for (int x : op.reads) {
    ins.push_back(off_[x] ? host_[x] : download(x));
    a.inputs.push_back(ins.back().data());
    a.input_bytes.push_back(tr_.tensors[x].bytes);
  }
  for (std::size_t k = 0; k < op.writes.size(); ++k) {
    const int y = op.writes[k];
    std::vector<std::uint8_t> out(tr_.tensors[y].bytes);
    a.seed = seed_of(j, static_cast<int>(k));
    a.output = out.data();
    a.output_bytes = out.size();
    a.sparsity = tr_.tensors[y].sparsity;
    synthetic_kernel_host(a);
    if (off_[y]) {
      host_[y] = std::move(out);
    } else {
      allocate(y, kCompute);
      be_.fill(dev_[y].ptr, out.data(), out.size());
    }
  }
}

// One op, in the simulator's order: releases, copy-ins, re-runs, the op, then
// copy-outs and frees.
void Run::slot(int j) {
  std::vector<int> ins, remats;
  for (std::size_t i = 0; i < tr_.tensors.size(); ++i) {
    if (!lt_[i].managed) continue;
    const TensorPlan& p = plan_.tensors[i];
    if (p.action == Action::kSwap && p.free_at == j) {
      // The release waits for the copy-out, as the simulator's does.
      if (!be_.done(out_event_[i])) be_.synchronize();
      release(static_cast<int>(i), kToHost);
    }
    if (p.action == Action::kSwap && p.swap_in_at == j) ins.push_back(static_cast<int>(i));
    if (p.action == Action::kRecompute && p.remat_at == j) remats.push_back(static_cast<int>(i));
  }
  std::sort(ins.begin(), ins.end(),
            [&](int a, int b) { return lt_[a].first_bwd_use < lt_[b].first_bwd_use; });
  for (int a : ins) {
    allocate(a, kToDevice);
    be_.copy_to_device(dev_[a].ptr, host_[a].data(), host_[a].size(), kToDevice);
    in_event_[a] = be_.record(kToDevice);
    ++r_.swapped_in;
  }
  // remats is in producer order already (tensor ids follow production here,
  // but sort to not depend on it).
  std::sort(remats.begin(), remats.end(),
            [&](int a, int b) { return lt_[a].producer < lt_[b].producer; });
  for (int a : remats) {
    const Op& prod = tr_.ops[lt_[a].producer];
    const auto k = std::find(prod.writes.begin(), prod.writes.end(), a) - prod.writes.begin();
    allocate(a, kCompute);
    compute(lt_[a].producer, a, static_cast<int>(k));
    check_restored(a);
    ++r_.recomputed;
  }
  if (plan_.offloaded[j]) {
    offloaded_op(j);
  } else {
    const Op& op = tr_.ops[j];
    for (int x : op.reads)
      if (in_event_.count(x) && j == lt_[x].first_bwd_use) {
        be_.wait(kCompute, in_event_[x]);
        check_restored(x);
      }
    for (int y : op.writes)
      if (!is_persistent(tr_.tensors[y].kind)) allocate(y, kCompute);
    const std::uint64_t t0 = be_.record(kCompute);
    for (std::size_t k = 0; k < op.writes.size(); ++k)
      compute(j, op.writes[k], static_cast<int>(k));
    timing_.push_back({j, t0, be_.record(kCompute)});  // read after the final sync
  }
  after_op(j);
}

void Run::after_op(int j) {
  for (int y : tr_.ops[j].writes) {
    if (is_persistent(tr_.tensors[y].kind) || off_[y]) continue;
    const auto bytes = download(y);
    sum_[y] = fnv(bytes);
    const auto zeros = [&] {
      std::uint64_t z = 0;
      for (std::size_t e = 0; e + 4 <= bytes.size(); e += 4)
        z += !(bytes[e] | bytes[e + 1] | bytes[e + 2] | bytes[e + 3]);
      return z;
    }();
    r_.sparsity[y] = bytes.size() >= 4 ? static_cast<double>(zeros) / (bytes.size() / 4) : 0.0;
    if (lt_[y].managed && plan_.tensors[y].action == Action::kSwap) {
      host_[y].resize(bytes.size());
      be_.wait(kToHost, be_.record(kCompute));
      be_.copy_to_host(host_[y].data(), dev_[y].ptr, bytes.size(), kToHost);
      out_event_[y] = be_.record(kToHost);
      ++r_.swapped_out;
    }
  }
  // Free what the plan has no further use for on the device after op j: the
  // last use, and for a recomputed tensor also its last forward use (even when
  // it is re-run at the very next op). A swapped tensor's first release waits
  // for its free_at op instead.
  for (std::size_t i = 0; i < tr_.tensors.size(); ++i) {
    if (!dev_[i].valid() || is_persistent(tr_.tensors[i].kind)) continue;
    const bool remat = lt_[i].managed && plan_.tensors[i].action == Action::kRecompute;
    if (j == lt_[i].last_use || (remat && j == lt_[i].last_fwd_use))
      release(static_cast<int>(i), kCompute);
  }
}

}  // namespace

ExecResult execute(const Trace& tr, const std::vector<Lifetime>& lt, const Plan& plan,
                   Backend& backend, std::uint64_t capacity) {
  const std::string err = validate(tr, lt, plan);
  if (!err.empty()) {
    ExecResult r;
    r.ok = false;
    r.error = "executor: invalid plan: " + err;
    return r;
  }
  return Run(tr, lt, plan, backend, capacity).go();
}

Trace record_trace(const Trace& tr, const ExecResult& run) {
  Trace out = tr;
  out.network = tr.network + " (recorded)";
  for (std::size_t j = 0; j < out.ops.size(); ++j) out.ops[j].compute_us = run.op_us[j];
  for (std::size_t i = 0; i < out.tensors.size(); ++i)
    if (run.sparsity[i] >= 0) out.tensors[i].sparsity = run.sparsity[i];
  return out;
}

}  // namespace hycim::memplan
