// `hycim data ...`: pack sample files into shards, verify, stage to local
// storage, show a dataset, and plan the fast/slow tier split. Progress goes to
// stderr only when it is a terminal; --json prints one object on stdout.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/progress.hpp"
#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/order.hpp"
#include "runtime/data/pack.hpp"
#include "runtime/data/stage.hpp"
#include "runtime/data/tiers.hpp"

namespace {

using nlohmann::json;
namespace d = hycim::data;

struct DataArgs {
  std::string src, dst, dataset, fast_dir;
  uint64_t shard_mib = 64, chunk_mib = 16;
  unsigned threads = 4;
  bool json_out = false;
  uint32_t batch = 32;
  uint64_t iterations = 0, seed = 0;
  double iteration_s = 0, slow_mbps = 0, lead_s = 0, usable = 0.9;
};

void emit(const DataArgs& a, const json& j, const std::string& text) {
  if (a.json_out)
    std::printf("%s\n", j.dump(2).c_str());
  else
    std::printf("%s\n", text.c_str());
}

// Library errors already name the file and sample; the CLI adds nothing but the exit code.
template <typename F>
void run(F&& f) {
  try {
    f();
  } catch (const d::DataError& e) {
    throw hycim::cli::CliError(e.what(), 1);
  }
}

void pack(const DataArgs& a) {
  d::PackOptions o;
  o.shard_bytes = a.shard_mib << 20;
  hycim::cli::Progress bar("packing", 0, hycim::cli::progress_wanted(a.json_out));
  if (bar.enabled())
    o.on_shard = [&bar](const d::PackProgress& p) {
      bar.set_total(p.samples_total);
      bar.update(p.samples_done, std::to_string(p.shards_done) + " shards");
    };
  d::PackResult r = d::pack_directory(a.src, a.dst, o);
  bar.finish();
  emit(a,
       {{"dataset", a.dst},
        {"generation", r.generation_dir.filename().string()},
        {"samples", r.samples},
        {"bytes", r.bytes},
        {"shards", r.shards},
        {"shard_bytes", r.shard_bytes}},
       "packed " + std::to_string(r.samples) + " samples (" + std::to_string(r.bytes) +
           " bytes) into " + std::to_string(r.shards) + " shards: " + r.generation_dir.string());
}

void verify(const DataArgs& a) {
  d::PackedDataset ds(a.dataset);
  d::VerifyReport r = ds.verify();
  json j{{"dataset", a.dataset}, {"ok", r.ok}, {"bytes_checked", r.bytes_checked}};
  if (!r.ok) {
    j["file"] = r.file;
    j["sample"] = r.sample == d::kNoSample ? json(nullptr) : json(r.sample);
    j["error"] = r.message;
    if (a.json_out) std::printf("%s\n", j.dump(2).c_str());
    throw hycim::cli::CliError(r.file + ": " + r.message, 1);
  }
  emit(a, j,
       "ok: " + std::to_string(ds.sample_count()) + " samples in " +
           std::to_string(ds.shards().size()) + " shards, " + std::to_string(r.bytes_checked) +
           " bytes checked");
}

void stage(const DataArgs& a) {
  d::StageOptions o;
  o.threads = a.threads;
  o.chunk_bytes = a.chunk_mib << 20;
  d::StageResult r;
  {
    // stage_dataset reports nothing while it copies: the bar shows the time.
    hycim::cli::Progress bar("staging", 0, hycim::cli::progress_wanted(a.json_out));
    hycim::cli::ProgressTicker ticker(bar, 0);
    r = d::stage_dataset(a.src, a.dst, o);
  }
  const double mbps = r.bytes_per_s() / 1e6;
  emit(a, {{"bytes", r.bytes}, {"files", r.files}, {"seconds", r.seconds}, {"mb_per_s", mbps}},
       "staged " + std::to_string(r.bytes) + " bytes in " + std::to_string(r.files) + " files, " +
           std::to_string(r.seconds) + " s, " + std::to_string(mbps) + " MB/s");
}

void info(const DataArgs& a) {
  d::PackedDataset ds(a.dataset);
  emit(a,
       {{"generation", ds.generation_dir().filename().string()},
        {"samples", ds.sample_count()},
        {"shards", ds.shards().size()},
        {"bytes", ds.total_bytes()},
        {"labels", ds.label_names()}},
       ds.generation_dir().string() + ": " + std::to_string(ds.sample_count()) + " samples, " +
           std::to_string(ds.shards().size()) + " shards, " + std::to_string(ds.total_bytes()) +
           " bytes, " + std::to_string(ds.label_names().size()) + " labels");
}

void tiers(const DataArgs& a) {
  d::PackedDataset ds(a.dataset);
  // Training's first needs: epoch orders back to back until the iterations run out.
  std::vector<uint32_t> seq;
  for (uint64_t e = 0; seq.size() < a.iterations * a.batch && ds.sample_count() > 0; ++e) {
    auto o = d::epoch_order(a.seed, e, ds.sample_count());
    seq.insert(seq.end(), o.begin(), o.end());
  }
  d::TierPlan p = d::plan_tiers(
      ds, seq, {a.batch, a.iterations, a.iteration_s, a.slow_mbps * 1e6, a.lead_s, a.usable});
  if (!a.fast_dir.empty()) d::place_fast_tier(ds, p, a.fast_dir);
  emit(a,
       {{"fast_samples", p.fast_samples},
        {"fast_bytes", p.fast_bytes},
        {"slow_samples", p.slow_samples},
        {"slow_bytes", p.slow_bytes},
        {"fast_dir", a.fast_dir}},
       "fast tier: " + std::to_string(p.fast_samples) + " samples, " +
           std::to_string(p.fast_bytes) + " bytes; slow tier: " + std::to_string(p.slow_samples) +
           " samples, " + std::to_string(p.slow_bytes) + " bytes" +
           (a.fast_dir.empty() ? "" : "; fast tier written to " + a.fast_dir));
}

void setup(CLI::App& root) {
  auto args = std::make_shared<DataArgs>();
  auto* data = root.add_subcommand("data", "Training data cache: pack, verify, stage, info, tiers");
  data->require_subcommand(1);
  auto json_flag = [&](CLI::App* c) {
    c->add_flag("--json", args->json_out, "Print one JSON object");
  };

  auto* p = data->add_subcommand("pack", "Pack a directory of sample files into shards + index");
  p->add_option("SRC_DIR", args->src, "Folder of samples (class folders become labels)")
      ->required();
  p->add_option("OUT_DIR", args->dst, "Dataset directory (a new generation is switched in)")
      ->required();
  p->add_option("--shard-mib", args->shard_mib, "Target shard size in MiB")->capture_default_str();
  json_flag(p);
  p->callback([args] { run([&] { pack(*args); }); });

  auto* v = data->add_subcommand("verify", "Check every shard and sample checksum");
  v->add_option("DATASET", args->dataset)->required();
  json_flag(v);
  v->callback([args] { run([&] { verify(*args); }); });

  auto* s =
      data->add_subcommand("stage", "Copy a dataset to node-local storage with parallel reads");
  s->add_option("SRC", args->src, "Dataset on the shared store")->required();
  s->add_option("DST", args->dst, "Dataset directory on fast local storage")->required();
  s->add_option("--threads", args->threads, "Parallel readers")->capture_default_str();
  s->add_option("--chunk-mib", args->chunk_mib, "Read size in MiB")->capture_default_str();
  json_flag(s);
  s->callback([args] { run([&] { stage(*args); }); });

  auto* i = data->add_subcommand("info", "Show a dataset's generation, samples, shards, labels");
  i->add_option("DATASET", args->dataset)->required();
  json_flag(i);
  i->callback([args] { run([&] { info(*args); }); });

  auto* t =
      data->add_subcommand("tiers", "Plan which samples can stay on the slow tier without stalls");
  t->add_option("DATASET", args->dataset)->required();
  t->add_option("--batch", args->batch, "Samples per step")->required();
  t->add_option("--iterations", args->iterations, "Training steps")->required();
  t->add_option("--iteration-time", args->iteration_s, "Seconds per step")->required();
  t->add_option("--slow-mbps", args->slow_mbps, "Measured slow-tier bandwidth, MB/s")->required();
  t->add_option("--lead", args->lead_s, "Seconds the slow tier may read before step 0");
  t->add_option("--seed", args->seed, "Shuffle seed of the training run");
  t->add_option("--usable-fraction", args->usable,
                "Share of the slow bandwidth to plan on (slack for jitter)")
      ->capture_default_str();
  t->add_option("--place", args->fast_dir, "Write the fast-tier samples as a dataset here");
  json_flag(t);
  t->callback([args] { run([&] { tiers(*args); }); });
}

}  // namespace

HYCIM_CLI_COMMAND(data, setup);
