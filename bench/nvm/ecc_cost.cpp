// What the NVM rows' SEC-DED costs, measured on the device's own counters:
//   hycim_ecc_cost_bench [--mvms N] [--fault-model NAME]
// One default tile (512 x 32 int8 weights, 64 rows a cycle) on the functional
// device, three ways: no fault model, the fault model with SEC-DED, and the
// same without ECC. Each programs the same random weights into all 512 NVM
// rows, then runs the same N MVMs of K = 512 random int8 inputs. Prints, per
// MVM and per programmed row, tile cycles, simulated ns and energy by
// component (pJ), the tile's area on the default technology (mm^2), and the
// ratios to the fault-free device.
#include <fmt/format.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "driver/command_builders.hpp"
#include "sim/device/functional_device.hpp"
#include "sim/device/host_programming.hpp"
#include "sim/tech/tile_area.hpp"

namespace {

using namespace hycim;
namespace sd = spec::device;

constexpr uint64_t kBase = 0x8000'0000;
constexpr uint32_t kRing = 256;
constexpr uint64_t kCq = kBase + kRing * 64, kData = kCq + kRing * 16;

struct Options {
  uint32_t mvms = 256;
  std::string model = "rram";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--mvms")
      o.mvms = std::stoul(v);
    else if (k == "--fault-model")
      o.model = v;
    else
      throw std::invalid_argument("unknown option " + k);
  }
  return o;
}

// A host: memory, the rings, and one command at a time through them.
class Host {
 public:
  explicit Host(const device::DeviceConfig& c)
      : mem_(4 << 20), dev_(c, [this](uint64_t a, uint64_t n) -> uint8_t* {
          return a >= kBase && a - kBase + n <= mem_.size() ? mem_.data() + (a - kBase) : nullptr;
        }) {
    device::program_rings(*this, kBase, kCq, kRing);
    device::program_window(*this, 0, kBase, mem_.size(),
                           sd::win_ctrl::kRead | sd::win_ctrl::kWrite);
  }
  void write(uint32_t offset, uint32_t v) { dev_.write(offset, v); }
  uint8_t* at(uint64_t addr) { return mem_.data() + (addr - kBase); }
  void run(const sd::CommandRecord& r) {
    std::memcpy(at(kBase + tail_ * 64ull), &r, sizeof r);
    tail_ = (tail_ + 1) % kRing;
    write(sd::reg::kQDoorbell, tail_);
    dev_.run();
    const device::CommandStats& c = dev_.stats().commands().back();
    if (c.status != sd::DevStatus::kOk)
      throw std::runtime_error(fmt::format("command {} failed: {}", r.seq, to_string(c.status)));
  }
  const device::Stats& stats() const { return dev_.stats(); }

 private:
  std::vector<uint8_t> mem_;
  device::FunctionalDevice dev_;
  uint32_t tail_ = 0;
};

struct Figures {
  double cycles = 0, ns = 0;
  device::Energy energy;
  void add(const device::CommandStats& c, double share) {
    cycles += double(c.work.cycles) * share;
    ns += (c.end_ns - c.start_ns) * share;
    const device::Energy& e = c.work.energy_pj;
    for (auto m : {&device::Energy::array, &device::Energy::shift_add, &device::Energy::sram,
                   &device::Energy::nvm_program, &device::Energy::dma, &device::Energy::ecc})
      energy.*m += e.*m * share;
  }
};

struct Result {
  Figures program;  // per row
  Figures mvm;      // per MVM
  double tile_mm2 = 0;
};

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

Result measure(const Options& o, const char* ecc) {
  device::DeviceConfig c;
  c.tiles = 1;
  if (ecc) c.faults = device::FaultConfig::from_json({{"model", o.model}, {"ecc", ecc}});
  Host h(c);
  const spec::TileConfig t = spec::kDefaultTile;
  std::mt19937 rng(7);
  const auto w = random_bytes(rng, size_t{t.nvm_rows} * t.lanes);
  std::memcpy(h.at(kData), w.data(), w.size());
  h.run(driver::cmd::program_nvm(0, 0, 0, t.nvm_rows, kData));
  Result r;
  r.program.add(h.stats().commands().back(), 1.0 / t.nvm_rows);
  for (uint32_t i = 0; i < o.mvms; ++i) {
    const auto x = random_bytes(rng, t.nvm_rows);
    std::memcpy(h.at(kData + (1 << 20)), x.data(), x.size());
    h.run(driver::cmd::mvm(1 + i, 0, 0, t.nvm_rows, t.nvm_rows, kData + (1 << 20),
                           kData + (2 << 20)));
    r.mvm.add(h.stats().commands().back(), 1.0 / o.mvms);
  }
  tech::CimArray array{t, tech::WeightCell::kNvm};
  array.secded = ecc && std::string(ecc) == "secded";
  r.tile_mm2 =
      tech::tile_area(array, tech::load_technology(tech::kDefaultTechnology)).total() * 1e-6;
  return r;
}

// One line: the three devices' figures and the ECC ones' ratios to the
// fault-free one ("-" where that is 0).
void row(const std::string& label, double a, double b, double c, int digits) {
  const auto ratio = [&](double v) { return a > 0 ? fmt::format("{:.4f}", v / a) : "-"; };
  fmt::print("{:40} {:>12.{}f} {:>12.{}f} {:>7} {:>12.{}f} {:>7}\n", label, a, digits, b, digits,
             ratio(b), c, digits, ratio(c));
}

void print_figures(const char* what, const Figures& a, const Figures& b, const Figures& c) {
  const std::string w = what;
  row(w + " tile cycles", a.cycles, b.cycles, c.cycles, 2);
  row(w + " ns", a.ns, b.ns, c.ns, 1);
  row(w + " energy pJ", a.energy.total(), b.energy.total(), c.energy.total(), 1);
  const auto on_tile = [](const device::Energy& e) { return e.total() - e.dma; };
  row(w + " energy pJ without DMA", on_tile(a.energy), on_tile(b.energy), on_tile(c.energy), 1);
  row(w + " of it ECC pJ", a.energy.ecc, b.energy.ecc, c.energy.ecc, 1);
}

void report(const Options& o) {
  const Result none = measure(o, nullptr), secded = measure(o, "secded"), raw = measure(o, "none");
  fmt::print("default tile, 1 tile, {} MVMs of 512x32 int8, fault model {}, technology {}\n",
             o.mvms, o.model, tech::kDefaultTechnology);
  fmt::print("{:40} {:>12} {:>12} {:>7} {:>12} {:>7}\n", "", "no faults", "SEC-DED", "ratio",
             "no ECC", "ratio");
  print_figures("per MVM:", none.mvm, secded.mvm, raw.mvm);
  print_figures("per programmed row:", none.program, secded.program, raw.program);
  row("tile area mm^2", none.tile_mm2, secded.tile_mm2, raw.tile_mm2, 5);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    report(parse(argc, argv));
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hycim_ecc_cost_bench: {}\n", e.what());
    return 1;
  }
}
