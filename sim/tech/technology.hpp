// A technology and operating point: process node, supply, clock, and the
// energy and area of each component the tile is built from, each with its
// citation. Read from JSON (spec/tech/*.json, or a user's file); unknown keys
// are refused naming the key. scaled() moves it to another node, supply and
// clock (dynamic energy with V^2, leakage with V, delay by the alpha-power
// law); the formulas and their sources are in docs/device.md, "Technology,
// energy and area".
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace hycim::tech {

class TechError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A parameter's value and where it comes from (a paper, a derivation, or
// "assumption: ..."): the docs table and `hycim macros` print both.
struct Param {
  double value = 0;
  std::string source;
};

// Energies in fJ per event, at the technology's own node and supply.
struct EnergyFj {
  Param wordline_cell;    // a raised word line, per bit cell along it
  Param sram_cell_read;   // one SRAM compute cell read into the adder tree (incl. its gating)
  Param nvm_cell_read;    // one NVM cell sensed into the adder tree
  Param tree_one;         // the adder tree's switching per 1-bit product entering it
  Param accumulate_bit;   // one bit of the shift-and-accumulate register per bit plane
  Param register_bit;     // one input-register bit loaded (macros latch inputs in registers)
  Param sram_access_bit;  // one bit written to or read from a row through the row port
  Param nvm_program_bit;  // one NVM bit programmed (with verify)
  Param link_bit;         // one bit over the host link
  Param xor2;             // one 2-input XOR of an ECC tree evaluated, on random data
};

// Areas in um^2 at the technology's own node.
struct AreaUm2 {
  Param sram_cell;        // SRAM compute bit cell (storage and its gating)
  Param nvm_cell;         // NVM bit cell with its access device
  Param wordline_driver;  // one row's word-line driver and decoder slice
  Param full_adder;       // one full-adder cell of an adder tree
  Param flip_flop;        // one register bit
  Param controller;       // a tile's command sequencer and row decoder
  Param host_interface;   // a device's DMA engine, command ring and link (once per device)
  Param xor2;             // a 2-input XOR (the ECC's syndrome and encoder trees)
  Param and2;             // a 2-input AND stage (an r-input AND is r - 1 of them)
};

// Factors fitted on published macros (tech::calibrate, sim/tech/macro.hpp)
// and applied to the SRAM compute path's energies and areas: the components
// the macros exercise. NVM, link, controller and host-interface figures keep
// their own sources.
struct Calibration {
  double energy = 1;
  double area = 1;
  std::vector<std::string> macros;  // the macros they were fitted on
};

struct Technology {
  std::string name;
  std::string doc;
  Param node_nm;             // process node
  Param vdd;                 // supply of this operating point, V
  Param vth;                 // threshold voltage for the delay law, V
  Param alpha;               // alpha-power-law exponent (velocity saturation)
  Param clock_mhz;           // tile clock at this operating point
  Param fmax_mhz;            // highest clock at vdd on this node (the delay law's reference)
  Param periphery;           // area of sense, I/O and routing as a fraction of the components' area
  Param leakage_nw_per_um2;  // static power per um^2 of tile area at vdd
  EnergyFj energy_fj;
  AreaUm2 area_um2;
  Calibration calibration;  // already applied to energy_fj and area_um2

  // Reads a technology. Every key is required except "doc", "calibration"
  // ({"energy": .., "area": .., "macros": [..]}, applied to the values read)
  // and "scale_from":
  // {"scale_from": NAME, "node_nm": .., "vdd": .., "clock_mhz": ..} takes the
  // named catalog technology scaled to that point (scaled()), and may
  // override any other key. Throws TechError naming a bad or unknown key.
  static Technology from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;

  // The same technology with `c` applied on top of its own calibration, or
  // with its calibration taken out (uncalibrated()).
  Technology calibrated(const Calibration& c) const;
  Technology uncalibrated() const;

  // The technology moved to another node and supply. Energies scale with
  // C V^2 (C with the node; NVM programming and the link keep theirs), areas with node^2, leakage
  // per um^2 with V/node, fmax with 1/node and the alpha-power law; the clock becomes that fmax.
  Technology scaled(double node_nm, double vdd) const;
  // The same at another clock; TechError when it is above fmax_mhz.
  Technology with_clock(double clock_mhz) const;

  // Highest clock at supply `v` on this node: fmax_mhz at the file's own
  // vdd, scaled by the alpha-power law f ~ (V - Vth)^alpha / V.
  double max_clock_mhz(double v) const;

  // Throws TechError naming the key when a value is out of range.
  void validate() const;
};

// True when a --tech/--faults value is a file's path (it contains '/' or
// ends in ".json"), false when it is a catalog name.
bool names_a_file(const std::string& name_or_path);

// A technology by name (the catalog, `hycim macros --tech` lists them) or by
// path of a JSON file (anything containing '/' or ending in ".json").
// TechError naming the known ones when neither.
Technology load_technology(const std::string& name_or_path);

// The technology devices use unless told otherwise.
inline constexpr const char* kDefaultTechnology = "hycim22";

// Names of the catalog's technologies, sorted.
std::vector<std::string> technology_names();

// A parameter written as a bare number or {"value": .., "source": ..};
// TechError naming `where` and the problem otherwise.
Param read_param(const nlohmann::json& v, const std::string& where);

// JSON from a file; TechError naming the file when unreadable or not JSON.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace hycim::tech
