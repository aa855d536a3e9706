// libFuzzer target: the memory planner's two files (runtime/memplan), the
// trace `hycim memplan` reads (load_trace: JSON, then trace_from_json and its
// analyze) and a plan read against it (plan_from_json, then validate). A
// refusal must be a MemplanError with a message. What is accepted must be
// usable (a plan that validates has a memory profile) and write back to JSON
// that reads as the same trace or plan (compared as the JSON written).
//
// Input: the trace's JSON text, then optionally a NUL byte and the plan's.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/memplan/plan.hpp"
#include "runtime/memplan/trace.hpp"
#include "runtime/memplan/trace_json.hpp"
#include "tests/fuzz/scratch_directory.hpp"

namespace {

using nlohmann::json;
using namespace hycim::memplan;

[[noreturn]] void fail(const char* reader, const char* what) {
  std::fprintf(stderr, "memplan_files_fuzz: %s: %s\n", reader, what);
  std::abort();
}

const bool kVerbose = std::getenv("HYCIM_FUZZ_VERBOSE") != nullptr;

// The trace goes through the file reader, as the CLI reads it, so the JSON
// parser's own errors are part of what must come out as a MemplanError.
std::string scratch_file() {
  return hycim::fuzz::scratch_directory("memplan_files_fuzz") + "/trace.json";
}

template <class F>
bool refused(const char* reader, F&& f) {
  try {
    f();
    if (kVerbose) std::fprintf(stderr, "%s: accepted\n", reader);
    return false;
  } catch (const MemplanError& e) {
    if (e.what()[0] == '\0') fail(reader, "refused without a message");
    if (kVerbose) std::fprintf(stderr, "%s: refused: %s\n", reader, e.what());
    return true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = scratch_file();
  const char* text = reinterpret_cast<const char*>(data);
  const char* nul = static_cast<const char*>(std::memchr(text, 0, size));
  const size_t trace_bytes = nul ? size_t(nul - text) : size;
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(text, static_cast<std::streamsize>(trace_bytes));
  }
  Trace tr;
  if (refused("trace", [&] { tr = load_trace(path); })) return 0;
  const json out = trace_to_json(tr);
  const Trace back = trace_from_json(out);
  if (trace_to_json(back) != out) fail("trace", "a trace written back reads as another");
  const std::vector<Lifetime> lt = analyze(tr);
  if (lt.size() != tr.tensors.size()) fail("trace", "one lifetime per tensor");
  if (!nul) return 0;

  const json pj = json::parse(nul + 1, text + size, nullptr, /*allow_exceptions=*/false);
  if (pj.is_discarded()) return 0;
  Plan plan;
  if (refused("plan", [&] { plan = plan_from_json(tr, pj); })) return 0;
  if (plan.tensors.size() != tr.tensors.size() || plan.offloaded.size() != tr.ops.size())
    fail("plan", "a plan read does not cover its trace");
  const std::string why = validate(tr, lt, plan);
  if (kVerbose) std::fprintf(stderr, "plan: %s\n", why.empty() ? "valid" : why.c_str());
  if (why.empty()) {
    const std::vector<std::uint64_t> profile = memory_profile(tr, lt, plan);
    if (profile.size() != tr.ops.size()) fail("plan", "one profile entry per op");
    (void)peak(profile);
  }
  const json pout = plan_to_json(tr, plan);
  if (plan_to_json(tr, plan_from_json(tr, pout)) != pout)
    fail("plan", "a plan written back reads as another");
  return 0;
}
