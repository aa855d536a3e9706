// The backends by URI scheme, and device enumeration.
#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>

#include "driver/lib/backend.hpp"
#include "driver/lib/unix_backend.hpp"

namespace hycim::driver {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, BackendOpener> schemes{{"unix", open_unix_backend}};
};

Registry& registry() {
  static Registry r;
  return r;
}

// Where libhycim_sim.so is looked for: $HYCIM_SIM_PLUGIN, then beside the
// object holding this code (libhycim_driver.so in lib/, or the program), then
// the loader's search path.
std::vector<std::string> plugin_candidates() {
  std::vector<std::string> out;
  if (const char* p = std::getenv("HYCIM_SIM_PLUGIN"); p && *p) out.emplace_back(p);
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&plugin_candidates), &info) != 0 && info.dli_fname) {
    std::string dir = info.dli_fname;
    dir = dir.substr(0, dir.rfind('/') + 1);
    if (!dir.empty()) out.push_back(dir + kSimPluginLibrary);
  }
  out.emplace_back(kSimPluginLibrary);
  return out;
}

// sim:// in a program that did not link driver/sim: the plugin, loaded once
// and never unloaded (its backends' code lives there).
SimPluginOpen load_sim_plugin(std::string* why) {
  static std::mutex mutex;
  static SimPluginOpen open = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (open) return open;
  for (const std::string& path : plugin_candidates()) {
    void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      *why += (why->empty() ? "" : "; ") + std::string(::dlerror());
      continue;
    }
    open = reinterpret_cast<SimPluginOpen>(::dlsym(lib, kSimPluginSymbol));
    if (open) return open;
    *why += "; " + path + " has no " + kSimPluginSymbol;
  }
  return nullptr;
}

std::shared_ptr<Backend> open_sim_from_plugin(std::string_view text) {
  std::string why;
  const SimPluginOpen open = load_sim_plugin(&why);
  if (!open)
    throw DriverError(Status::kInvalid,
                      "device URI '" + std::string(text) +
                          "': sim:// needs the simulator, which this program did not link and "
                          "could not load (" +
                          why + "); link hycim::driver_sim or set HYCIM_SIM_PLUGIN");
  Status st = Status::kInternal;
  char message[1024] = {};
  Backend* b = open(std::string(text).c_str(), &st, message, sizeof message);
  if (!b) throw DriverError(st, message);
  return std::shared_ptr<Backend>(b);
}

std::string socket_dir() {
  if (const char* d = std::getenv("HYCIM_SOCKET_DIR")) return d;
  if (const char* d = std::getenv("XDG_RUNTIME_DIR")) return std::string(d) + "/hycim";
  return "/tmp/hycim-" + std::to_string(::getuid());
}

}  // namespace

void register_backend(const std::string& scheme, BackendOpener open) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.schemes[scheme] = open;
}

std::shared_ptr<Backend> open_backend(std::string_view text) {
  const Uri uri = parse_uri(text);
  BackendOpener open = nullptr;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (auto it = r.schemes.find(uri.scheme); it != r.schemes.end()) open = it->second;
  }
  if (open) return open(uri);
  if (uri.scheme == "sim") return open_sim_from_plugin(text);
  throw DriverError(Status::kInvalid, "device URI '" + std::string(text) + "': unknown scheme '" +
                                          uri.scheme + "' (known: sim, unix)");
}

std::vector<std::string> Device::enumerate() {
  std::vector<std::string> out{"sim://"};
  const std::string dir = socket_dir();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  std::vector<std::string> found;
  while (dirent* e = ::readdir(d)) {
    const std::string path = dir + "/" + e->d_name;
    Status st;
    // Listed only if a daemon answers there (connect succeeds).
    if (e->d_name[0] != '.' && connect_unix(path, &st)) found.push_back("unix://" + path);
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
  return out;
}

}  // namespace hycim::driver
