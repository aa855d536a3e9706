#include "sim/device/stats.hpp"

#include <fmt/format.h>

#include <fstream>

#include "sim/device/device_error.hpp"

namespace hycim::device {
namespace {

using spec::device::to_string;

nlohmann::json energy_json(const Energy& e) {
  return {{"array", e.array},  {"shift_add", e.shift_add},
          {"sram", e.sram},    {"nvm_program", e.nvm_program},
          {"dma", e.dma},      {"ecc", e.ecc},
          {"total", e.total()}};
}

nlohmann::json work_json(const Work& w) {
  return {{"cycles", w.cycles},
          {"row_activations", w.row_activations},
          {"nvm_programs", w.nvm_programs},
          {"dma_bytes", w.dma_bytes},
          {"macs", w.macs},
          {"energy_pj", energy_json(w.energy_pj)},
          {"ecc",
           {{"corrected", w.ecc.corrected},
            {"uncorrectable", w.ecc.uncorrectable},
            {"program_retries", w.ecc.retries},
            {"scrubbed", w.ecc.scrubbed},
            {"remapped", w.ecc.remapped}}}};
}

std::ofstream open_out(const std::filesystem::path& path) {
  std::ofstream out(path);
  if (!out) throw DeviceError(fmt::format("{}: cannot write stats", path.string()));
  return out;
}

}  // namespace

Energy& Energy::operator+=(const Energy& o) {
  array += o.array;
  shift_add += o.shift_add;
  sram += o.sram;
  nvm_program += o.nvm_program;
  dma += o.dma;
  ecc += o.ecc;
  return *this;
}

Energy& Energy::operator-=(const Energy& o) {
  array -= o.array;
  shift_add -= o.shift_add;
  sram -= o.sram;
  nvm_program -= o.nvm_program;
  dma -= o.dma;
  ecc -= o.ecc;
  return *this;
}

EccCounts& EccCounts::operator+=(const EccCounts& o) {
  corrected += o.corrected;
  uncorrectable += o.uncorrectable;
  retries += o.retries;
  scrubbed += o.scrubbed;
  remapped += o.remapped;
  return *this;
}

EccCounts& EccCounts::operator-=(const EccCounts& o) {
  corrected -= o.corrected;
  uncorrectable -= o.uncorrectable;
  retries -= o.retries;
  scrubbed -= o.scrubbed;
  remapped -= o.remapped;
  return *this;
}

Work& Work::operator+=(const Work& o) {
  cycles += o.cycles;
  row_activations += o.row_activations;
  nvm_programs += o.nvm_programs;
  dma_bytes += o.dma_bytes;
  macs += o.macs;
  energy_pj += o.energy_pj;
  ecc += o.ecc;
  return *this;
}

void Stats::record(const CommandStats& c) {
  if (kept_.size() == kMaxCommandRecords + kMaxCommandRecords / 4) {
    const auto drop = static_cast<std::ptrdiff_t>(kMaxCommandRecords / 4);
    kept_.erase(kept_.begin(), kept_.begin() + drop);
    first_kept_ += drop;
  }
  kept_.push_back(c);
  work_ += c.work;
  if (c.tile >= tiles_.size()) return;  // refused before reaching a tile (BAD_TILE)
  TileStats& t = tiles_[c.tile];
  ++t.commands;
  t.busy_ns += c.end_ns - c.start_ns;
  t.work += c.work;
}

void Stats::record_background(uint32_t tile, const Work& w) {
  background_ += w;
  tiles_.at(tile).work += w;
}

void Stats::add_ring_dma(uint64_t bytes, double energy_pj) {
  ring_dma_bytes_ += bytes;
  ring_dma_pj_ += energy_pj;
}

Work Stats::total() const {
  Work w = work_;
  w += background_;
  w.dma_bytes += ring_dma_bytes_;
  w.energy_pj.dma += ring_dma_pj_;
  return w;
}

Work Stats::since(const Mark& m) const {
  Work w;
  if (m.commands >= first_kept_) {
    // Summed from the records, in order: exactly what a fresh sum would give.
    for (size_t i = m.commands - first_kept_; i < kept_.size(); ++i) w += kept_[i].work;
  } else {
    w = work_;
    w.cycles -= m.work.cycles;
    w.row_activations -= m.work.row_activations;
    w.nvm_programs -= m.work.nvm_programs;
    w.dma_bytes -= m.work.dma_bytes;
    w.macs -= m.work.macs;
    w.ecc -= m.work.ecc;
    w.energy_pj -= m.work.energy_pj;
  }
  w.dma_bytes += ring_dma_bytes_ - m.ring_dma_bytes;
  w.energy_pj.dma += ring_dma_pj_ - m.ring_dma_pj;
  return w;
}

nlohmann::json Stats::to_json(double now_ns) const {
  nlohmann::json j;
  const Work tot = total();
  j["run"] = work_json(tot);
  j["run"]["commands"] = commands_recorded();
  j["run"]["commands_listed"] = commands().size();  // the most recent (kMaxCommandRecords)
  j["run"]["simulated_ns"] = now_ns;
  j["run"]["ring_dma_bytes"] = ring_dma_bytes_;
  j["background"] = work_json(background_);  // the device's own scrubs, also in "run" and "tiles"
  j["tiles"] = nlohmann::json::array();
  for (const TileStats& t : tiles_) {
    nlohmann::json e = work_json(t.work);
    e["commands"] = t.commands;
    e["busy_ns"] = t.busy_ns;
    // Share of the run the tile's array was cycling (tile cycles x period).
    e["utilization"] = now_ns > 0 ? double(t.work.cycles) * period_ns_ / now_ns : 0.0;
    j["tiles"].push_back(e);
  }
  j["commands"] = nlohmann::json::array();
  for (const CommandStats& c : commands()) {
    nlohmann::json e = work_json(c.work);
    e["ring_index"] = c.ring_index;
    e["seq"] = c.seq;
    e["opcode"] = to_string(c.opcode);
    e["tile"] = c.tile;
    e["status"] = to_string(c.status);
    e["start_ns"] = c.start_ns;
    e["end_ns"] = c.end_ns;
    j["commands"].push_back(e);
  }
  return j;
}

void Stats::write_json(const std::filesystem::path& path, double now_ns) const {
  open_out(path) << to_json(now_ns).dump(2) << "\n";
}

void Stats::write_csv(const std::filesystem::path& path) const {
  auto out = open_out(path);
  out << "ring_index,seq,opcode,tile,status,start_ns,end_ns,cycles,row_activations,nvm_programs,"
         "dma_bytes,macs,energy_array_pj,energy_shift_add_pj,energy_sram_pj,"
         "energy_nvm_program_pj,energy_dma_pj,energy_ecc_pj,energy_total_pj\n";
  for (const CommandStats& c : commands()) {
    const Work& w = c.work;
    const Energy& e = w.energy_pj;
    out << fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", c.ring_index,
                       c.seq, to_string(c.opcode), c.tile, to_string(c.status), c.start_ns,
                       c.end_ns, w.cycles, w.row_activations, w.nvm_programs, w.dma_bytes, w.macs,
                       e.array, e.shift_add, e.sram, e.nvm_program, e.dma, e.ecc, e.total());
  }
}

}  // namespace hycim::device
