// `hycim nvm list|verify|erase [--device URI]`: the weight blocks resident in
// a device's NVM, from its residency catalog (`<nvm image>.resident.json`).
//   list    every block: tile, rows, label (model:weight k/n range), hash
//   verify  reads every block back and checks it against its hash; exit 1 on
//           any mismatch (a later load reprograms such blocks)
//   erase   drops blocks from the catalog (--all, --model NAME, --hash PREFIX);
//           --wipe also programs their rows to zero (costs NVM wear)
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "host-tools/command_registry.hpp"
#include "host-tools/commands/runtime_cli.hpp"
#include "runtime/cim/device_report.hpp"
#include "runtime/cim/driver_engine.hpp"
#include "runtime/cim/nvm_residency.hpp"

namespace {

using namespace hycim;

struct NvmOptions {
  cli::DeviceFlags device;
  bool json = false, all = false, wipe = false;
  std::string model, hash;
};

struct Opened {
  std::unique_ptr<cim::DriverEngine> engine;
  std::shared_ptr<cim::NvmResidency> residency;
};

Opened open_device(const NvmOptions& o) {
  Opened d;
  cim::DriverEngineOptions e;
  e.uri = cli::device_uri(o.device);
  try {
    d.engine = std::make_unique<cim::DriverEngine>(e);
    if (d.engine->nvm_store().empty())
      throw cli::CliError(fmt::format(
          "{}: its NVM does not persist (no nvm image), so nothing stays resident between "
          "processes; open it with an image, e.g. --nvm FILE or sim://?nvm=FILE",
          e.uri));
    d.residency = cim::residency_for(*d.engine, {}, std::chrono::milliseconds(30000));
  } catch (const cim::EngineError& err) {
    throw cli::CliError(err.what());
  }
  return d;
}

void list(const NvmOptions& o) {
  const Opened d = open_device(o);
  const auto blocks = d.residency->blocks();
  const cim::Geometry g = d.engine->geometry();
  if (o.json) {
    fmt::print("{}\n", cim::nvm_listing(*d.engine, *d.residency).dump(2));
    return;
  }
  fmt::print("{}\ncatalog {}: {} blocks, {} of {} NVM rows used ({:.1f}%), {} free\n",
             d.engine->describe(), d.residency->catalog_path().string(), blocks.size(),
             d.residency->used_rows(), g.tiles * g.nvm_rows,
             100.0 * d.residency->used_rows() / (g.tiles * g.nvm_rows), d.residency->free_rows());
  if (!blocks.empty())
    fmt::print("{:>4} {:>11} {:>5} {:<12} {}\n", "tile", "rows", "used", "hash", "block");
  for (const auto& b : blocks)
    fmt::print("{:>4} {:>5}..{:<4} {:>5} {:<12} {}\n", b.tile, b.row, b.row + b.rows - 1,
               b.last_used, b.hash.substr(0, 12), b.label);
}

void verify(const NvmOptions& o) {
  const Opened d = open_device(o);
  size_t bad = 0;
  nlohmann::json j = nlohmann::json::array();
  const auto checked = d.residency->verify(*d.engine);
  for (const auto& [b, ok] : checked) {
    bad += !ok;
    if (o.json)
      j.push_back({{"block", cim::nvm_listing_block(b)}, {"ok", ok}});
    else
      fmt::print("{} tile {} rows {}..{} {}\n", ok ? "OK      " : "MISMATCH", b.tile, b.row,
                 b.row + b.rows - 1, b.label);
  }
  if (o.json)
    fmt::print("{}\n", j.dump(2));
  else
    fmt::print("{} blocks checked, {} mismatched\n", checked.size(), bad);
  if (bad) throw cli::CliError(fmt::format("{} resident blocks do not hold their bytes", bad));
}

void erase(const NvmOptions& o) {
  if (o.all + !o.model.empty() + !o.hash.empty() != 1)
    throw cli::CliError("nvm erase: give exactly one of --all, --model NAME, --hash PREFIX", 2);
  const Opened d = open_device(o);
  const auto gone = d.residency->erase(
      *d.engine,
      [&](const cim::ResidentBlock& b) {
        if (o.all) return true;
        if (!o.hash.empty()) return b.hash.rfind(o.hash, 0) == 0;
        return b.label.rfind(o.model + ":", 0) == 0;
      },
      o.wipe);
  for (const auto& b : gone)
    fmt::print("erased{} tile {} rows {}..{} {}\n", o.wipe ? " and wiped" : "", b.tile, b.row,
               b.row + b.rows - 1, b.label);
  fmt::print("{} blocks erased\n", gone.size());
}

void setup(CLI::App& app) {
  auto opts = std::make_shared<NvmOptions>();
  auto* nvm = app.add_subcommand("nvm", "List, verify or erase the weights resident in NVM");
  nvm->require_subcommand(1);
  auto add = [&](const char* name, const char* help, void (*fn)(const NvmOptions&)) {
    auto* c = nvm->add_subcommand(name, help);
    cli::add_device_options(c, opts->device);
    c->add_flag("--json", opts->json, "print JSON");
    c->callback([opts, fn] { fn(*opts); });
    return c;
  };
  add("list", "Resident weight blocks: tile, rows, model and weight, content hash", list);
  add("verify", "Read every resident block back and check its content hash", verify);
  auto* e = add("erase", "Drop resident blocks from the catalog (their rows become free)", erase);
  e->add_flag("--all", opts->all, "every block");
  e->add_option("--model", opts->model, "blocks of this model file name (e.g. model.onnx)");
  e->add_option("--hash", opts->hash, "the block whose content hash starts so");
  e->add_flag("--wipe", opts->wipe, "also program the rows to zero (NVM wear)");
}

}  // namespace

HYCIM_CLI_COMMAND(nvm, setup);
