// Generations of a dataset directory: the only place that creates, switches
// and retires them, so the crash-safety argument lives in one file.
#include <algorithm>
#include <string>

#include "runtime/data/dataset.hpp"
#include "runtime/data/error.hpp"
#include "runtime/data/format.hpp"
#include "runtime/data/io.hpp"
#include "runtime/data/pack.hpp"

namespace hycim::data {

namespace fs = std::filesystem;

namespace {

// gen-000012 -> 12, gen-000012.tmp -> 12 with tmp = true; -1 for other names.
long parse_generation(const std::string& name, bool& tmp) {
  tmp = name.size() > 4 && name.ends_with(".tmp");
  std::string base = tmp ? name.substr(0, name.size() - 4) : name;
  if (base.size() != 10 || !base.starts_with("gen-")) return -1;
  if (!std::all_of(base.begin() + 4, base.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stol(base.substr(4));
}

std::string current_name(const fs::path& dataset) {
  if (!fs::exists(dataset / kCurrentFile)) return "";
  return live_generation_name(dataset);
}

}  // namespace

fs::path begin_generation(const fs::path& dataset) {
  fs::create_directories(dataset);
  long next = 1;
  for (const auto& e : fs::directory_iterator(dataset)) {
    bool tmp = false;
    long g = parse_generation(e.path().filename().string(), tmp);
    if (g < 0) continue;
    // A .tmp generation is a crashed writer's leftover: never live, safe to drop.
    if (tmp) fs::remove_all(e.path());
    next = std::max(next, g + 1);
  }
  fs::path dir = dataset / (generation_name(static_cast<uint32_t>(next)) + ".tmp");
  fs::create_directory(dir);
  return dir;
}

fs::path commit_generation(const fs::path& tmp_dir) {
  const fs::path dataset = tmp_dir.parent_path();
  std::string name = tmp_dir.filename().string();
  name.resize(name.size() - 4);
  const fs::path final_dir = dataset / name;
  const std::string previous = current_name(dataset);
  io::sync_dir(tmp_dir);
  fs::rename(tmp_dir, final_dir);
  io::sync_dir(dataset);
  // The switch: CURRENT is replaced by rename(), so readers see the old or the
  // new generation, never a mix.
  io::write_file_atomically(dataset / kCurrentFile, name + "\n");
  // Keep the previous generation for readers that read CURRENT just before the
  // switch; drop the ones before it.
  for (const auto& e : fs::directory_iterator(dataset)) {
    bool tmp = false;
    const std::string n = e.path().filename().string();
    if (parse_generation(n, tmp) >= 0 && !tmp && n != name && n != previous)
      fs::remove_all(e.path());
  }
  return final_dir;
}

}  // namespace hycim::data
