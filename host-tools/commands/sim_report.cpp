#include "host-tools/commands/sim_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace hycim::cli::sim {

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      {"status", "ok, or error (then see error)", true, 0},
      {"layer", "MxKxN of C(MxN) = A(MxK) . W(KxN), int8 x int8 -> int32", true, 0},
      {"m", "rows of A and C", false, 0},
      {"k", "columns of A, rows of W", false, 0},
      {"n", "columns of W and C", false, 0},
      {"device", "the device URI the layer ran on", false, 0},
      {"config", "named tile configuration", true, 0},
      {"tile", "tile kind: model or rtl", true, 0},
      {"tiles", "tiles in the device", true, 0},
      {"lanes", "LANES of a tile (outputs of one MVM)", false, 0},
      {"nvm_rows", "NVM_ROWS of a tile", false, 0},
      {"rows_per_cycle", "ROWS_PER_CYCLE of a tile", false, 0},
      {"blocks", "weight blocks W was cut into (row_blocks x lane_blocks)", true, 0},
      {"row_blocks", "blocks along K (at most min(NVM_ROWS, SRAM_ROWS x LANES) rows each)", false,
       0},
      {"lane_blocks", "blocks along N (LANES columns each)", false, 0},
      {"tiles_used", "tiles holding at least one block", true, 0},
      {"mvm_cycles", "MVM cycles of the slowest tile (tiles run side by side)", true, 0},
      {"mvm_cycles_per_tile", "MVM cycles of every tile (JSON array; CSV space-separated)", false,
       0},
      {"sim_ns", "device simulated time of the multiply, ns (tile cycles plus DMA)", true, 1},
      {"energy_pj", "device energy of the multiply, pJ (array, shift-add, SRAM, DMA)", true, 1},
      {"macs", "multiply-accumulates: M x K x N", true, 0},
      {"macs_per_cycle", "macs / mvm_cycles", true, 2},
      {"utilization",
       "macs / (mvm_cycles x tiles x LANES x ROWS_PER_CYCLE / 8): the fraction of the device's "
       "peak (every tile raising ROWS_PER_CYCLE word lines per cycle over LANES lanes, 8 bit "
       "planes per int8 input) the slowest tile's cycles achieved",
       true, 3},
      {"gops", "2 x macs / sim_ns: giga-operations per second of simulated time", false, 0},
      {"tops_per_w", "2 x macs / energy_pj: tera-operations per second per watt", false, 0},
      {"program_rows", "NVM rows programmed to place W", false, 0},
      {"program_cycles", "tile cycles of placing W in NVM, summed over tiles", true, 0},
      {"program_ns", "device simulated time of placing W, ns", false, 1},
      {"program_energy_pj", "device energy of placing W, pJ", true, 1},
      {"host_ms", "host wall time of the multiply (simulation included), ms", true, 3},
      {"host_total_ms", "host wall time of the whole point (device start-up included), ms", false,
       1},
      {"seed", "seed of the random int8 A and W", false, 0},
      {"description", "the device as the runtime describes it", false, 0},
      {"error", "why the point failed (empty when status is ok)", false, 0},
      {"technology", "technology of the area and leakage (the URI's tech=, else hycim22)", false,
       0},
      {"area_mm2",
       "device area on that technology, mm^2 (tiles and host interface; with SEC-DED, its check "
       "cells and codec gates)",
       true, 3},
      {"tops_mm2", "gops / 1000 / area_mm2: tera-operations per second per mm^2", false, 0},
      {"leakage_pj", "static energy of the tiles over sim_ns, pJ (not in energy_pj)", false, 1},
  };
  return f;
}

Row empty_row() {
  Row r = Row::object();
  for (const Field& f : fields()) r[f.name] = nullptr;
  return r;
}

std::string fields_help() {
  std::string s;
  size_t w = 0;
  for (const Field& f : fields()) w = std::max(w, std::string(f.name).size());
  for (const Field& f : fields()) s += fmt::format("  {:<{}}  {}\n", f.name, w, f.help);
  return s;
}

namespace {

std::string cell(const nlohmann::ordered_json& v, bool table, int decimals) {
  if (v.is_null()) return table ? "-" : "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_unsigned()) return fmt::format("{}", v.get<uint64_t>());
  if (v.is_number_integer()) return fmt::format("{}", v.get<int64_t>());
  if (v.is_number_float())
    return table ? fmt::format("{:.{}f}", v.get<double>(), decimals)
                 : fmt::format("{}", v.get<double>());
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : " ") + cell(e, table, decimals);
    return s;
  }
  return v.dump();
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

const nlohmann::ordered_json& get(const Row& r, const char* name) {
  static const nlohmann::ordered_json null;
  auto it = r.find(name);
  return it == r.end() ? null : *it;
}

void print_table(const std::vector<Row>& rows) {
  std::vector<const Field*> cols;
  for (const Field& f : fields())
    if (f.in_table) cols.push_back(&f);
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (const Field* f : cols) width.push_back(std::string(f->name).size());
  for (const Row& r : rows) {
    auto& line = cells.emplace_back();
    for (size_t i = 0; i < cols.size(); ++i) {
      line.push_back(cell(get(r, cols[i]->name), true, cols[i]->decimals));
      width[i] = std::max(width[i], line.back().size());
    }
  }
  // Text columns left-aligned, numbers right-aligned.
  auto numeric = [&](size_t i) {
    for (const Row& r : rows)
      if (get(r, cols[i]->name).is_string()) return false;
    return true;
  };
  std::vector<bool> right(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) right[i] = numeric(i);
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string s;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i) s += "  ";
      s += right[i] ? fmt::format("{:>{}}", line[i], width[i])
                    : fmt::format("{:<{}}", line[i], width[i]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    fmt::print("{}\n", s);
  };
  std::vector<std::string> header;
  for (const Field* f : cols) header.push_back(f->name);
  print_line(header);
  for (const auto& line : cells) print_line(line);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& e = get(rows[i], "error");
    if (e.is_string() && !e.get<std::string>().empty())
      fmt::print("row {} ({}): error: {}\n", i + 1, cell(get(rows[i], "device"), true, 0),
                 e.get<std::string>());
  }
}

}  // namespace

void print_rows(const std::vector<Row>& rows, const std::string& format) {
  if (format == "json") {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const Row& r : rows) a.push_back(r);
    fmt::print("{}\n", a.dump(2));
  } else if (format == "csv") {
    std::string s;
    for (const Field& f : fields()) s += (s.empty() ? "" : ",") + std::string(f.name);
    fmt::print("{}\n", s);
    for (const Row& r : rows) {
      s.clear();
      bool first = true;
      for (const Field& f : fields()) {
        if (!first) s += ",";
        first = false;
        s += csv_quote(cell(get(r, f.name), false, 0));
      }
      fmt::print("{}\n", s);
    }
  } else {
    print_table(rows);
  }
  std::fflush(stdout);
}

}  // namespace hycim::cli::sim
