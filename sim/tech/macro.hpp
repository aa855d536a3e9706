// A published CIM macro as data (spec/macros/*.json, or a user's file): its
// array described as tiles of this project's kind (bit-serial inputs, adder
// trees per lane, a shift-and-accumulate register per lane), its node, and the
// figures its paper publishes at each operating point, with their sources.
// predict() runs the project's own energy, area and timing model over that
// description; `hycim macros` prints published against predicted.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/tech/cim_energy.hpp"
#include "sim/tech/technology.hpp"

namespace hycim::tech {

// A published figure: its value and the sentence/table it comes from.
struct Figure {
  double value = 0;
  std::string source;
};

struct MacroPoint {
  double vdd = 0;
  double clock_mhz = 0;
  uint32_t xbits = 8;  // input precision of the figures
  uint32_t wbits = 8;  // weight precision of the figures
  Activity activity;   // bit densities the figures were measured at
  std::optional<Figure> tops_w;
  std::optional<Figure> tops_mm2;
  std::optional<Figure> fj_per_mac;  // energy of one xbits x wbits MAC
};

struct Macro {
  std::string name;  // file name without ".json"
  std::string title, venue, citation, doc;
  double node_nm = 0;
  // "digital": the mechanism this model describes; "analog" macros are
  // predicted for comparison and left out of the error target.
  bool digital = true;
  WeightCell weight_cell = WeightCell::kSram;
  uint32_t banks = 1;                 // identical arrays working in parallel
  uint32_t rows = 0;                  // weight rows per bank, summed by each lane's tree
  uint32_t rows_per_cycle = 0;        // rows one tree sums per cycle
  uint32_t lanes = 0;                 // weights per row (one adder tree each)
  uint32_t wbits = 8;                 // stored bits per weight
  uint32_t input_bits_per_cycle = 1;  // 1: bit-serial
  bool booth = false;                 // radix-4 Booth digits, two input bits a step
  std::optional<Figure> area_mm2;
  bool calibration = false;  // one of the macros the technology was calibrated on
  // The relative error its predictions are held to (a test checks them):
  // energy per op (as TOPS/W) and area.
  std::optional<double> bound_energy, bound_area;
  std::vector<MacroPoint> points;

  // Throws TechError naming a bad or unknown key.
  static Macro from_json(const nlohmann::json& j, const std::string& name);
};

// The tile this project's model sees in a macro's bank at a point's precision.
CimArray macro_array(const Macro& m, const MacroPoint& p);

struct Prediction {
  const MacroPoint* point = nullptr;
  double tops = 0, tops_w = 0, tops_mm2 = 0, fj_per_mac = 0;
  double area_mm2 = 0, latency_ns = 0;
  double fmax_mhz = 0;  // the model's fmax at the point (a published clock may exceed it)
  MvmEnergy energy;     // of one MVM over all banks
  // Relative errors (predicted / published - 1) of the figures published.
  std::optional<double> err_tops_w, err_tops_mm2, err_fj_per_mac, err_area;
  // The energy-per-op error as a TOPS/W error, from whichever is published.
  std::optional<double> energy_error() const {
    if (err_tops_w) return err_tops_w;
    if (err_fj_per_mac) return 1 / (1 + *err_fj_per_mac) - 1;
    return std::nullopt;
  }
};

// The macro at each of its points with `tech` scaled to the macro's node and
// the point's supply and clock.
std::vector<Prediction> predict(const Macro& m, const Technology& tech);

// The catalog's macros (spec/macros), sorted by name; a file by path.
std::vector<Macro> catalog_macros();
Macro load_macro(const std::filesystem::path& path);

// The factors that bring the predictions of `macros` (their published energy
// per op and area) to the published values, as geometric means over their
// points, for `tech` as it is (Technology::calibrated applies them).
Calibration calibrate(const std::vector<Macro>& macros, const Technology& tech);

}  // namespace hycim::tech
