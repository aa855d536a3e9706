// `hycim nvm list|verify|erase|scan|age [--device URI]`: the weight blocks
// resident in a device's NVM, from its residency catalog (`<nvm
// image>.resident.json`), and the health of its rows.
//   list    every block: tile, rows, label (model:weight k/n range), hash, the
//           owner that programmed it and how this context's owner may use its
//           rows (mine, mine-shared, shared, theirs, released, free)
//   verify  reads every block back and checks it against its hash; exit 1 on
//           any mismatch (a later load reprograms such blocks); then what the
//           ECC corrected and refused on those reads, per tile, and the rows
//           moved to spare rows meanwhile
//   erase   drops this owner's blocks from the catalog (--all, --model NAME,
//           --hash PREFIX) and releases their rows; --wipe first programs
//           them to zero (costs NVM wear); other owners' blocks stay
//   scan    reads every programmed NVM row this owner may read (its own and
//           shared ones) through the device's ECC: rows it cannot correct are
//           listed (a device with a fault model, --faults)
//   scrub   scrubs every NVM row other owners do not hold (SCRUB): rows with
//           a corrected error are programmed again (moved to a spare row if
//           they fail verify); then scans
//   age     ages the device's NVM by --time at --temp, kept in its image, then
//           scans it: unpowered, or with --scrub T powered and scrubbed every T
// list, verify and erase take --device once per member of a device group:
// each member's own catalog, in its own tile numbers, one after another; the
// JSON is the members' combined (numbers added, lists joined with each
// entry's `member` index) with each member's own object under `members`.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <functional>
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
  std::string time;    // nvm age: how long
  double temp_c = 85;  // nvm age: at what temperature
  std::string scrub;   // nvm age: powered, scrubbed this often
};

// "1y", "30d", "12h", "1.5e6s", "10y": seconds. Months are 1/12 year, years
// 365.25 days.
double parse_duration(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {{"mo", 365.25 * 86400 / 12},
                                                          {"s", 1},
                                                          {"min", 60},
                                                          {"h", 3600},
                                                          {"d", 86400},
                                                          {"w", 7 * 86400},
                                                          {"y", 365.25 * 86400}};
  size_t used = 0;
  double n = 0;
  try {
    n = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = used ? text.substr(used) : "";
  for (const auto& [name, seconds] : kUnits)
    if (used && unit == name && n >= 0 && std::isfinite(n)) return n * seconds;
  throw cli::CliError(
      fmt::format("--time '{}': expected a number and a unit (s, min, h, d, w, mo, y), e.g. 1y",
                  text),
      2);
}

// Every NVM row ever programmed read through the device (READ_SRAM, no
// wear): what the ECC refuses comes back as UncorrectableError naming the
// row. Rows never programmed hold no data, so their cells are not asked.
// Rows this owner may not read (another owner's, released, or nobody's:
// reading would claim them) are counted, not read.
nlohmann::json scan_rows(cim::DriverEngine& engine) {
  const cim::Geometry g = engine.geometry();
  std::vector<uint8_t> row(g.lanes);
  std::vector<uint32_t> wear(g.nvm_rows);
  nlohmann::json bad = nlohmann::json::array();
  uint64_t read = 0, skipped = 0;
  for (uint32_t t = 0; t < g.tiles; ++t) {
    engine.read_wear(t, 0, wear);
    const auto access = engine.row_access(t);
    for (uint32_t r = 0; r < g.nvm_rows; ++r) {
      if (wear[r] == 0) continue;
      if (!cim::is_mine(access[r]) && access[r] != driver::RowAccess::kShared) {
        ++skipped;
        continue;
      }
      ++read;
      try {
        engine.read(t, r, row);
      } catch (const cim::UncorrectableError& e) {
        bad.push_back({{"tile", e.tile}, {"row", e.row}});
      }
    }
  }
  return {{"nvm_rows", uint64_t{g.tiles} * g.nvm_rows},
          {"rows", read},
          {"rows_not_readable", skipped},
          {"uncorrectable", bad}};
}

void print_scan(const nlohmann::json& s, bool json) {
  if (json) {
    fmt::print("{}\n", s.dump(2));
    return;
  }
  for (const auto& b : s["uncorrectable"])
    fmt::print("UNCORRECTABLE tile {} row {}\n", b["tile"].get<uint32_t>(),
               b["row"].get<uint32_t>());
  fmt::print("{} programmed NVM rows read (of {}), {} uncorrectable\n", s["rows"].get<uint64_t>(),
             s["nvm_rows"].get<uint64_t>(), s["uncorrectable"].size());
  if (const auto n = s["rows_not_readable"].get<uint64_t>(); n > 0)
    fmt::print("{} programmed rows not read: other owners', released or nobody's\n", n);
}

struct Opened {
  std::unique_ptr<cim::DriverEngine> engine;
  std::shared_ptr<cim::NvmResidency> residency;
};

Opened open_device(const std::string& uri) {
  Opened d;
  cim::DriverEngineOptions e;
  e.uri = uri;
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

// The devices the command works on: one, or each member of a device group
// (--device more than once), each with its own catalog in its own tile
// numbers (docs/runtime.md "NVM residency").
std::vector<std::string> member_uris(const NvmOptions& o) {
  if (o.device.devices.size() <= 1) return {cli::device_uri(o.device)};
  std::vector<std::string> uris;
  for (const std::string& uri : o.device.devices) {
    cli::DeviceFlags one = o.device;
    one.devices = {uri};
    uris.push_back(cli::device_uri(one));  // refuses shorthands beside --device
  }
  return uris;
}

// "URI: " before a group member's summary line; nothing for one device.
std::string member_prefix(const NvmOptions& o, const std::string& uri) {
  return o.device.devices.size() > 1 ? uri + ": " : "";
}

// The same member of several devices' objects as one: numbers add up, lists
// are joined with each object entry marked by its `member` index, objects
// combine key by key, and strings that differ are joined by " + ".
nlohmann::json combine(const std::vector<nlohmann::json>& parts) {
  const nlohmann::json& first = parts.at(0);
  if (first.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t m = 0; m < parts.size(); ++m)
      for (nlohmann::json e : parts[m]) {
        if (e.is_object()) e["member"] = m;
        out.push_back(std::move(e));
      }
    return out;
  }
  if (first.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, v] : first.items()) {
      std::vector<nlohmann::json> each;
      for (const auto& p : parts) each.push_back(p.contains(key) ? p[key] : v);
      out[key] = combine(each);
    }
    return out;
  }
  if (first.is_number_unsigned()) {
    uint64_t n = 0;
    for (const auto& p : parts) n += p.get<uint64_t>();
    return n;
  }
  if (first.is_number()) {
    double n = 0;
    for (const auto& p : parts) n += p.get<double>();
    return n;
  }
  if (first.is_string()) {
    std::vector<std::string> seen;
    for (const auto& p : parts)
      if (std::find(seen.begin(), seen.end(), p.get<std::string>()) == seen.end())
        seen.push_back(p.get<std::string>());
    return fmt::format("{}", fmt::join(seen, " + "));
  }
  return first;  // flags: the same for every member
}

// Runs `one(uri)` for every member, one at a time (each takes and releases
// its own catalog lock). One device's object is printed as it is; a group's
// is the members' combined, in the same shape, with each member's own under
// `members` (with its `uri`). Text goes out per member as `one` prints it.
nlohmann::json for_members(const NvmOptions& o,
                           const std::function<nlohmann::json(const std::string&)>& one) {
  const std::vector<std::string> uris = member_uris(o);
  std::vector<nlohmann::json> parts;
  for (size_t m = 0; m < uris.size(); ++m) {
    if (m > 0 && !o.json) fmt::print("\n");
    parts.push_back(one(uris[m]));
    parts.back()["uri"] = uris[m];
  }
  if (parts.size() == 1) {
    parts[0].erase("uri");
    return parts[0];
  }
  nlohmann::json all = combine(parts);
  all.erase("uri");
  all["members"] = parts;
  return all;
}

nlohmann::json list_one(const NvmOptions& o, const std::string& uri) {
  const Opened d = open_device(uri);
  nlohmann::json listing;
  try {
    listing = cim::nvm_listing(*d.engine, *d.residency);  // asks every tile's row access
  } catch (const cim::EngineError& e) {
    throw cli::CliError(e.what());
  }
  if (o.json) return listing;
  const auto blocks = d.residency->blocks();
  const cim::Geometry g = d.engine->geometry();
  fmt::print("{}\ncatalog {}: {} blocks, {} of {} NVM rows used ({:.1f}%), {} free\n",
             d.engine->describe(), d.residency->catalog_path().string(), blocks.size(),
             d.residency->used_rows(), g.tiles * g.nvm_rows,
             100.0 * d.residency->used_rows() / (g.tiles * g.nvm_rows), d.residency->free_rows());
  fmt::print("owner {}: {} NVM rows held\n", listing["owner"].get<std::string>(),
             listing["rows_owned"].get<uint64_t>());
  if (!blocks.empty())
    fmt::print("{:>4} {:>11} {:>5} {:<12} {:<11} {:<20} {}\n", "tile", "rows", "used", "hash",
               "access", "owner", "block");
  for (const auto& b : listing["blocks"]) {
    const auto row = b["row"].get<uint32_t>();
    const std::string owner = b["owner"].get<std::string>();
    fmt::print("{:>4} {:>5}..{:<4} {:>5} {:<12} {:<11} {:<20} {}\n", b["tile"].get<uint32_t>(), row,
               row + b["rows"].get<uint32_t>() - 1, b["last_used"].get<uint64_t>(),
               b["hash"].get<std::string>().substr(0, 12), b["access"].get<std::string>(),
               owner.empty() ? "-" : owner, b["label"].get<std::string>());
  }
  return listing;
}

void list(const NvmOptions& o) {
  nlohmann::json listing = for_members(o, [&](const std::string& uri) { return list_one(o, uri); });
  if (!o.json) return;
  if (listing.contains("members"))  // a group's share of rows in use
    listing["utilization"] =
        listing["rows_used"].get<double>() / listing["rows_total"].get<double>();
  fmt::print("{}\n", listing.dump(2));
}

std::vector<driver::TileHealth> tile_health(const cim::DriverEngine& engine) {
  std::vector<driver::TileHealth> h(engine.geometry().tiles);
  try {
    for (uint32_t t = 0; t < h.size(); ++t) h[t] = engine.tile_health(t);
  } catch (const cim::EngineError& e) {
    throw cli::CliError(e.what());
  }
  return h;
}

// What the ECC did between two readings of every tile's health counters;
// for nvm_spare_rows_used (a lifetime count) the spares used in between.
std::vector<driver::TileHealth> health_since(std::vector<driver::TileHealth> after,
                                             const std::vector<driver::TileHealth>& before) {
  for (size_t t = 0; t < after.size(); ++t)
    for (const auto& c : driver::kTileHealthCounts) after[t].*c.field -= before[t].*c.field;
  return after;
}

// The tiles whose reads the ECC corrected or refused, and the totals; then
// the rows that moved to spare rows while verify ran (reads move none, but a
// daemon's other clients may program meanwhile).
void print_verify_ecc(const nlohmann::json& ecc) {
  const auto& total = ecc["total"];
  fmt::print("ECC on these reads: {} corrected, {} uncorrectable\n",
             total["ecc_corrected"].get<uint64_t>(), total["ecc_uncorrectable"].get<uint64_t>());
  for (const auto& t : ecc["tiles"])
    if (t["ecc_corrected"].get<uint64_t>() + t["ecc_uncorrectable"].get<uint64_t>() > 0)
      fmt::print("  tile {}: {} corrected, {} uncorrectable\n", t["tile"].get<uint32_t>(),
                 t["ecc_corrected"].get<uint64_t>(), t["ecc_uncorrectable"].get<uint64_t>());
  fmt::print("Spare rows: {} rows remapped, {} spares used during the run\n",
             total["nvm_remapped_rows"].get<uint64_t>(),
             total["nvm_spare_rows_used"].get<uint64_t>());
}

// The ECC counters are the tiles' own (device-wide), read before and after
// the reads: a daemon's other clients working meanwhile count too.
nlohmann::json verify_one(const NvmOptions& o, const std::string& uri) {
  const Opened d = open_device(uri);
  size_t bad = 0;
  nlohmann::json blocks = nlohmann::json::array();
  const auto before = tile_health(*d.engine);
  std::vector<std::pair<cim::ResidentBlock, bool>> checked;
  try {
    checked = d.residency->verify(*d.engine);
  } catch (const cim::EngineError& e) {
    throw cli::CliError(e.what());
  }
  // Blocks on other owners' unshared rows are theirs to check.
  const size_t others = d.residency->blocks().size() - checked.size();
  const nlohmann::json ecc = cim::tile_health_report(health_since(tile_health(*d.engine), before));
  for (const auto& [b, ok] : checked) {
    bad += !ok;
    if (o.json)
      blocks.push_back({{"block", cim::nvm_listing_block(b)}, {"ok", ok}});
    else
      fmt::print("{} tile {} rows {}..{} {}\n", ok ? "OK      " : "MISMATCH", b.tile, b.row,
                 b.row + b.rows - 1, b.label);
  }
  if (!o.json) {
    fmt::print("{}{} blocks checked, {} mismatched\n", member_prefix(o, uri), checked.size(), bad);
    if (others) fmt::print("{} blocks of other owners not checked\n", others);
    if (d.engine->info().faults) print_verify_ecc(ecc);
  }
  return {{"blocks", blocks},
          {"checked", checked.size()},
          {"mismatched", bad},
          {"other_owners", others},
          {"ecc", ecc}};
}

void verify(const NvmOptions& o) {
  const nlohmann::json all =
      for_members(o, [&](const std::string& uri) { return verify_one(o, uri); });
  if (o.json) fmt::print("{}\n", all.dump(2));
  if (const auto bad = all["mismatched"].get<uint64_t>(); bad > 0)
    throw cli::CliError(fmt::format("{} resident blocks do not hold their bytes", bad));
}

nlohmann::json erase_one(const NvmOptions& o, const std::string& uri) {
  const Opened d = open_device(uri);
  std::vector<cim::ResidentBlock> gone, kept;
  try {
    gone = d.residency->erase(
        *d.engine,
        [&](const cim::ResidentBlock& b) {
          if (o.all) return true;
          if (!o.hash.empty()) return b.hash.rfind(o.hash, 0) == 0;
          return b.label.rfind(o.model + ":", 0) == 0;
        },
        o.wipe, &kept);
  } catch (const cim::EngineError& e) {
    throw cli::CliError(e.what());
  }
  nlohmann::json blocks = nlohmann::json::array(), others = nlohmann::json::array();
  for (const auto& b : gone) blocks.push_back(cim::nvm_listing_block(b));
  for (const auto& b : kept) others.push_back(cim::nvm_listing_block(b));
  if (!o.json) {
    for (const auto& b : gone)
      fmt::print("erased{} tile {} rows {}..{} {}\n", o.wipe ? " and wiped" : "", b.tile, b.row,
                 b.row + b.rows - 1, b.label);
    fmt::print("{}{} blocks erased\n", member_prefix(o, uri), gone.size());
    if (!kept.empty()) fmt::print("{} blocks of other owners left as they are\n", kept.size());
  }
  return {{"erased", blocks}, {"count", gone.size()}, {"wiped", o.wipe}, {"other_owners", others}};
}

void erase(const NvmOptions& o) {
  if (o.all + !o.model.empty() + !o.hash.empty() != 1)
    throw cli::CliError("nvm erase: give exactly one of --all, --model NAME, --hash PREFIX", 2);
  const nlohmann::json all =
      for_members(o, [&](const std::string& uri) { return erase_one(o, uri); });
  if (o.json) fmt::print("{}\n", all.dump(2));
}

std::unique_ptr<cim::DriverEngine> open_engine(const std::string& uri) {
  cim::DriverEngineOptions e;
  e.uri = uri;
  try {
    return std::make_unique<cim::DriverEngine>(e);
  } catch (const cim::EngineError& err) {
    throw cli::CliError(err.what());
  }
}

void scan(const NvmOptions& o) {
  auto engine = open_engine(cli::device_uri(o.device));
  print_scan(scan_rows(*engine), o.json);
}

void age(const NvmOptions& o) {
  const double seconds = parse_duration(o.time);
  std::string uri = cli::device_uri(o.device);
  if (uri.rfind("sim://", 0) != 0 || uri.find("nvm=") == std::string::npos)
    throw cli::CliError(
        fmt::format("nvm age: {} is not a sim:// device with an NVM image (--nvm FILE): only a "
                    "simulated device's cells can be aged, and only an image keeps the age",
                    uri),
        2);
  uri += fmt::format("{}age_s={}&age_temp_c={}", uri.find('?') == std::string::npos ? "?" : "&",
                     seconds, o.temp_c);
  const double scrub_s = o.scrub.empty() ? 0 : parse_duration(o.scrub);
  if (!o.scrub.empty() && scrub_s <= 0)
    throw cli::CliError(fmt::format("--scrub '{}': the interval must be above 0", o.scrub), 2);
  if (scrub_s > 0) uri += fmt::format("&scrub_s={}", scrub_s);
  auto engine = open_engine(uri);
  // The powered ageing's scrubs ran at power-on: the device's own work, so
  // the counters since the device started are theirs.
  uint64_t scrubbed = 0, remapped = 0;
  for (const driver::TileHealth& h : tile_health(*engine)) {
    scrubbed += h.nvm_scrubbed_rows;
    remapped += h.nvm_remapped_rows;
  }
  if (!o.json)
    fmt::print("aged {} by {} s at {} C{}\n", cli::device_uri(o.device), seconds, o.temp_c,
               scrub_s > 0 ? fmt::format(", powered, scrubbed every {} s: {} rows programmed "
                                         "again with what the ECC corrected, {} moved to spare "
                                         "rows",
                                         scrub_s, scrubbed, remapped)
                           : std::string(", unpowered"));
  nlohmann::json scan = scan_rows(*engine);
  scan["aged_s"] = seconds;
  scan["temp_c"] = o.temp_c;
  scan["powered"] = scrub_s > 0;
  if (scrub_s > 0) scan["scrub_s"] = scrub_s;
  scan["scrubbed"] = scrubbed;
  scan["remapped"] = remapped;
  print_scan(scan, o.json);
}

// SCRUB over every tile's NVM rows; a tile whose scrub met an uncorrectable
// row is scrubbed to its end all the same (the device goes on), and the
// scan that follows lists every such row.
void scrub(const NvmOptions& o) {
  auto engine = open_engine(cli::device_uri(o.device));
  const cim::Geometry g = engine->geometry();
  const driver::Usage before = engine->usage();
  for (uint32_t t = 0; t < g.tiles; ++t) {
    // SCRUB is refused on other owners' rows: scrub the runs between them.
    const auto access = engine->row_access(t);
    for (uint32_t r = 0; r < g.nvm_rows;) {
      if (cim::is_foreign(access[r])) {
        ++r;
        continue;
      }
      uint32_t end = r;
      while (end < g.nvm_rows && !cim::is_foreign(access[end])) ++end;
      try {
        engine->scrub(t, r, end - r);
      } catch (const cim::UncorrectableError&) {
      }
      r = end;
    }
  }
  const driver::Usage after = engine->usage();
  const uint64_t rows = after.nvm_scrubbed_rows - before.nvm_scrubbed_rows;
  const uint64_t programs = after.nvm_programs - before.nvm_programs;
  const uint64_t remapped = after.nvm_remapped_rows - before.nvm_remapped_rows;
  if (!o.json)
    fmt::print(
        "scrubbed {} tiles: {} rows programmed again ({} NVM row programs), {} moved to spare "
        "rows\n",
        g.tiles, rows, programs, remapped);
  nlohmann::json scan = scan_rows(*engine);
  scan["scrubbed"] = rows;
  scan["nvm_programs"] = programs;
  scan["remapped"] = remapped;
  print_scan(scan, o.json);
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
  add("list",
      "Resident weight blocks: tile, rows, model and weight, content hash, owner and row access",
      list);
  add("verify", "Read every resident block back and check its content hash", verify);
  auto* e = add("erase",
                "Drop this owner's resident blocks from the catalog and release their rows", erase);
  e->add_flag("--all", opts->all, "every block");
  e->add_option("--model", opts->model, "blocks of this model file name (e.g. model.onnx)");
  e->add_option("--hash", opts->hash, "the block whose content hash starts so");
  e->add_flag("--wipe", opts->wipe, "also program the rows to zero (NVM wear)");
  add("scan", "Read every NVM row through the device's ECC and list the uncorrectable ones", scan);
  add("scrub", "Scrub every NVM row (corrected rows are programmed again), then scan", scrub);
  auto* a =
      add("age", "Age the NVM for --time at --temp (unpowered, or --scrub), then scan it", age);
  a->add_option("--time", opts->time, "how long: a number and s, min, h, d, w, mo or y (1y)")
      ->required();
  a->add_option("--temp", opts->temp_c, "at this temperature, C (default 85)");
  a->add_option("--scrub", opts->scrub,
                "the device ran powered, scrubbing every this long (1d); default: unpowered");
}

}  // namespace

HYCIM_CLI_COMMAND(nvm, setup);
