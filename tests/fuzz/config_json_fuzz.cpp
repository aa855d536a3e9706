// libFuzzer target: the JSON a device is configured from. Every input that
// parses as JSON goes to each reader: DeviceConfig, FaultConfig and
// TimingConfig (sim/device), Technology and NvmFaults (sim/tech), and the
// input text itself to the NVM image's fault-record reader (sim/nvm). Each
// must accept it or throw its documented exception with a message; what one
// accepts must be usable (to_json, validate, and where the format promises
// it, a round trip).
//
// Input: the JSON text, then optionally a NUL byte and the contents of the
// file "f.json", written before the readers run into the empty directory the
// fuzzer works in; the JSON may name it (a technology, a fault model, a
// scale_from base), and TimingConfig::from_file reads it. Inputs naming another file (an absolute
// path, or one with "..") are not run: the readers would open files of the machine.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "sim/device/device_config.hpp"
#include "sim/device/device_error.hpp"
#include "sim/device/timing_config.hpp"
#include "sim/nvm/cell_faults.hpp"
#include "sim/tech/nvm_faults.hpp"
#include "sim/tech/technology.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

using nlohmann::json;
using namespace hycim;

[[noreturn]] void fail(const char* reader, const char* what) {
  std::fprintf(stderr, "config_json_fuzz: %s: %s\n", reader, what);
  std::abort();
}

// HYCIM_FUZZ_VERBOSE set: each reader's verdict on stderr, to see what a
// seed exercises (`config_json_fuzz corpus/config_json/ok_timing`).
const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

// Runs one reader: its own exception (with a message) is a refusal, any
// other escapes and aborts the fuzzer.
template <class Error, class F>
void expect(const char* reader, F&& f) {
  try {
    f();
    if (kVerbose) std::fprintf(stderr, "%s: accepted\n", reader);
  } catch (const Error& e) {
    if (e.what()[0] == '\0') fail(reader, "refused without a message");
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", reader, e.what());
  }
}

// Whether any string in the document could lead a reader outside the
// fuzzer's directory.
bool names_other_files(const json& j) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    return (!s.empty() && s[0] == '/') || s.find("..") != std::string::npos;
  }
  if (j.is_structured())
    for (const auto& item : j.items())
      if (names_other_files(item.value())) return true;
  return false;
}

// An empty directory of its own, the working directory from the first input
// on, so "f.json" is the only file a relative name can find.
void enter_scratch_directory() {
  if (chdir(hycim::fuzz::scratch_directory("config_json_fuzz").c_str()) != 0)
    fail("setup", "chdir failed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool entered = (enter_scratch_directory(), true);
  (void)entered;
  const char* text = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(text, 0, size));
  const size_t json_bytes = nul ? size_t(nul - text) : size;
  const json j = json::parse(text, text + json_bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  if (names_other_files(j)) return -1;
  {
    std::ofstream side("f.json", std::ios::binary | std::ios::trunc);
    if (nul) side.write(nul + 1, static_cast<std::streamsize>(size - json_bytes - 1));
  }

  expect<device::DeviceError>("DeviceConfig", [&] {
    const device::DeviceConfig c = device::DeviceConfig::from_json(j);
    c.validate();
    // What the simulator keys its device cache by.
    (void)c.to_json().dump();
  });
  expect<device::DeviceError>("FaultConfig", [&] {
    const device::FaultConfig f = device::FaultConfig::from_json(j);
    (void)f.to_json().dump();
  });
  expect<device::DeviceError>("TimingConfig", [&] {
    const device::TimingConfig t = device::TimingConfig::from_json(j);
    const json out = t.to_json();
    if (device::TimingConfig::from_json(out).to_json() != out) fail("TimingConfig", "round trip");
  });
  if (nul)
    expect<device::DeviceError>("TimingConfig file",
                                [&] { (void)device::TimingConfig::from_file("f.json"); });
  expect<tech::TechError>("Technology", [&] {
    const tech::Technology t = tech::Technology::from_json(j);
    t.validate();
    (void)t.to_json().dump();
  });
  expect<tech::TechError>("NvmFaults", [&] {
    const tech::NvmFaults f = tech::NvmFaults::from_json(j);
    const json out = f.to_json();
    if (tech::NvmFaults::from_json(out).to_json() != out) fail("NvmFaults", "round trip");
  });
  expect<std::invalid_argument>("fault record", [&] {
    const std::optional<nvm::FaultSetup> s = nvm::from_record(std::string(text, json_bytes));
    if (!s) return;
    // What an image keeps must read back as itself.
    const std::string rec = nvm::to_record(*s);
    const std::optional<nvm::FaultSetup> back = nvm::from_record(rec);
    if (!back || nvm::to_record(*back) != rec) fail("fault record", "round trip");
  });
  return 0;
}
