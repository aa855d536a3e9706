// Options shared by the runtime's subcommands (check-onnx, run, quantize,
// classify, load, trace): which backend runs the model and on what device.
// `--device URI` names any driver device; `--tile/--config/--tiles/--nvm` are
// shorthands for the in-process device `sim://?tile=..&config=..&tiles=..&nvm=..`.
#pragma once
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "host-tools/command_registry.hpp"
#include "hycim/spec/device_spec.hpp"
#include "runtime/onnx/session.hpp"

namespace hycim::cli {

struct DeviceFlags {
  std::vector<std::string> devices;  // --device, once per device
  std::string tile, config, nvm, preset, tech;
  uint32_t tiles = 0;
  std::string faults, ecc;  // the NVM's fault model and its protection
  std::string fault_seed, temp_c, spare_rows;
};

// The URI the flags name; CliError when --device is mixed with shorthands or
// given more than once (commands that take a device group use device_uris).
inline std::string device_uri(const DeviceFlags& f) {
  if (f.devices.size() > 1) throw CliError("this command takes one --device", 2);
  std::vector<std::string> keys;
  if (!f.preset.empty()) keys.push_back("preset=" + f.preset);
  if (!f.tile.empty()) keys.push_back("tile=" + f.tile);
  if (!f.config.empty()) keys.push_back("config=" + f.config);
  if (f.tiles) keys.push_back("tiles=" + std::to_string(f.tiles));
  if (!f.nvm.empty()) keys.push_back("nvm=" + f.nvm);
  if (!f.tech.empty()) keys.push_back("tech=" + f.tech);
  if (!f.faults.empty()) keys.push_back("faults=" + f.faults);
  if (!f.fault_seed.empty()) keys.push_back("fault_seed=" + f.fault_seed);
  if (!f.ecc.empty()) keys.push_back("ecc=" + f.ecc);
  if (!f.temp_c.empty()) keys.push_back("temp_c=" + f.temp_c);
  if (!f.spare_rows.empty()) keys.push_back("spares=" + f.spare_rows);
  if (!f.devices.empty()) {
    if (!keys.empty())
      throw CliError(
          "--device names the device; --preset/--tile/--config/--tiles/--nvm/--tech/--faults/"
          "--fault-seed/--ecc/--op-temp/--spare-rows are shorthands for a sim:// URI and cannot be "
          "added to it",
          2);
    return f.devices.front();
  }
  std::string uri = "sim://";
  for (size_t i = 0; i < keys.size(); ++i) uri += (i ? "&" : "?") + keys[i];
  return uri;
}

inline void add_device_options(CLI::App* c, DeviceFlags& f) {
  c->add_option("--device,-d", f.devices,
                "device URI: sim://?tile=model|rtl&config=..&tiles=N&nvm=PATH, unix://SOCKET "
                "(default sim://); the model commands take it again for a device group");
  c->add_option("--tile", f.tile, "shorthand: tile kind of the sim:// device, model or rtl")
      ->check(CLI::IsMember({"model", "rtl"}));
  c->add_option("--config", f.config, "shorthand: named tile configuration (small, default)");
  c->add_option("--tiles", f.tiles, "shorthand: tiles in the sim:// device")
      ->check(CLI::Range(1u, hycim::spec::device::kMaxTiles));
  c->add_option("--preset", f.preset,
                "shorthand: a named sim:// device (hycim info --presets: default, edge, cnn, xl)");
  c->add_option("--nvm", f.nvm,
                "shorthand: NVM image of the sim:// device (weights stay resident across runs)");
  c->add_option("--tech", f.tech,
                "shorthand: technology of the sim:// device's clock and energies (cmos28, "
                "hycim22, or a JSON path; hycim macros)");
  c->add_option("--faults", f.faults,
                "shorthand: the sim:// device's NVM fails like this (stt_mram, rram, pcm, or a "
                "JSON path; docs/device.md \"NVM faults\"); kept in its --nvm image");
  c->add_option("--fault-seed", f.fault_seed, "shorthand: seed of the NVM's fault map");
  c->add_option("--ecc", f.ecc, "shorthand: NVM row protection with --faults, secded or none")
      ->check(CLI::IsMember({"secded", "none"}));
  c->add_option("--op-temp", f.temp_c,
                "shorthand: operating temperature in C with --faults (retention while it runs)");
  c->add_option("--spare-rows", f.spare_rows,
                "shorthand: spare NVM rows per tile with --faults (rows failing write-verify move "
                "there); kept in its --nvm image");
}

// "1048576", "64K", "64M", "4G", "1T" (binary units; "64MiB" and "64m" read
// the same) as bytes; anything else, zero, or more than 64 bits hold is a
// usage error naming `flag`.
inline uint64_t parse_byte_size(const std::string& text, const std::string& flag) {
  auto bad = [&] {
    return CliError(flag + ": '" + text + "' is not a size (bytes, or a number with K, M, G or T)",
                    2);
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 19) throw bad();
  uint64_t n = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  for (auto& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (unit.size() == 3 && unit.substr(1) == "IB") unit.resize(1);
  int shift = 0;
  if (unit == "K")
    shift = 10;
  else if (unit == "M")
    shift = 20;
  else if (unit == "G")
    shift = 30;
  else if (unit == "T")
    shift = 40;
  else if (!unit.empty() && unit != "B")
    throw bad();
  if (n == 0 || n > (std::numeric_limits<uint64_t>::max() >> shift)) throw bad();
  return n << shift;
}

// --max-memory: the memory budget of each run (SessionOptions::max_memory).
inline void add_memory_option(CLI::App* c, uint64_t& bytes) {
  c->add_option_function<std::string>(
       "--max-memory",
       [&bytes](const std::string& s) { bytes = parse_byte_size(s, "--max-memory"); },
       "most tensor data a run may hold at once, bytes or with K/M/G/T (binary); a run that "
       "would need more stops naming the node (default: half the machine's memory)")
      ->type_name("SIZE");
}

inline void add_session_options(CLI::App* c, runtime::SessionOptions& o) {
  add_memory_option(c, o.max_memory);
  auto flags = std::make_shared<DeviceFlags>();
  c->add_option("--backend", o.backend, "where MatMul/Gemm/Conv run: tiles (CIM) or cpu")
      ->check(CLI::IsMember({"tiles", "cpu"}));
  add_device_options(c, *flags);
  auto placement = std::make_shared<std::string>("auto");
  c->add_option("--placement", *placement,
                "weights that do not fit the NVM: auto (stream only if needed), resident (refuse "
                "such a model, naming the shortfall) or stream (reprogram NVM between layers)")
      ->check(CLI::IsMember({"auto", "resident", "stream"}));
  c->add_option("--stream-tiles", o.placement.stream_tiles,
                "tiles weights stream through when streaming (the last ones; default: all)");
  c->add_flag("--trust-resident", o.placement.trust_resident,
              "use weights found resident in NVM without reading them back first (the device's "
              "ECC still guards every MVM)");
  auto no_pack = std::make_shared<bool>(false);
  c->add_flag("--no-pack-groups", *no_pack,
              "run a grouped or depthwise convolution as one product per group rather than "
              "packing groups side by side across the tile's lanes");
  c->parse_complete_callback([flags, placement, no_pack, &o] {
    o.placement.policy = runtime::parse_placement(*placement);
    o.placement.pack_groups = !*no_pack;
    DeviceFlags first = *flags;
    if (!first.devices.empty()) first.devices.resize(1);
    o.device = device_uri(first);
    o.more_devices.assign(flags->devices.begin() + std::min<size_t>(1, flags->devices.size()),
                          flags->devices.end());
  });
}

}  // namespace hycim::cli
