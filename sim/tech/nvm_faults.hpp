// How an NVM cell technology fails: stuck cells, retention loss (Arrhenius in
// temperature), read disturb, and program errors that rise with wear. One
// JSON file per technology (spec/faults/*.json, or a user's file), every
// value with its source; unknown or missing keys are refused naming the key.
// The formulas below are the only place the rates are turned into
// probabilities; docs/device.md "NVM faults" writes them out.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/tech/technology.hpp"

namespace hycim::tech {

// A retention specification as papers give one: a raw bit error rate `ber`
// reached after `time_s` at `temp_c`, and the activation energy that moves it
// to other temperatures.
struct RetentionSpec {
  Param ea_ev;
  Param ber;
  Param time_s;
  Param temp_c;
  // The state retention moves a cell to, when it goes one way only (PCM's
  // amorphous cells crystallize; a crystalline one stays): 0 or 1, and a
  // cell already holding it never flips. `ber` is then the rate of the cells
  // that can flip. Unset (the key left out): either state flips.
  std::optional<Param> flips_to;
};

struct NvmFaults {
  std::string name;
  std::string doc;
  Param stuck_at_0;  // probability a cell is stuck at 0 (drawn once per device)
  Param stuck_at_1;  // probability a cell is stuck at 1
  RetentionSpec retention;
  Param read_disturb;      // probability a bit flips per read of its row
  Param write_error_rate;  // probability a bit is wrong after one program pulse, fresh cell
  Param endurance;         // programs at which a program pulse fails as a rule

  static NvmFaults from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
  // TechError naming the key when a value is out of range.
  void validate() const;

  // Retention hazard per bit and second at temp_c: a constant-rate process
  // fitted so that P(flip by time_s at retention.temp_c) = ber, moved by
  // exp(Ea/k (1/T_ref - 1/T)).
  double retention_hazard_per_s(double temp_c) const;
  // Hazard one read of its row adds to each bit: -ln(1 - read_disturb).
  double read_hazard() const;
  // Probability a bit is wrong after a program pulse given at wear `wear`:
  // write_error_rate^(1 - wear/endurance), i.e. log-linear from the fresh
  // rate to 1 at the endurance, so a row fails verify before it wears out.
  double write_error_at(uint64_t wear) const;
};

// The probability a bit has flipped once `hazard` has accumulated.
double flip_probability(double hazard);

// A fault model by catalog name (spec/faults: stt_mram, rram, pcm) or JSON
// path; TechError naming the known ones when neither.
NvmFaults load_nvm_faults(const std::string& name_or_path);
std::vector<std::string> nvm_fault_names();

}  // namespace hycim::tech
