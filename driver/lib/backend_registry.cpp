// The backends by URI scheme, and device enumeration.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "driver/lib/backend.hpp"
#include "driver/lib/sim_backend.hpp"
#include "driver/lib/unix_backend.hpp"

namespace hycim::driver {
namespace {

struct Scheme {
  const char* name;
  std::shared_ptr<Backend> (*open)(const Uri&);
};

constexpr Scheme kSchemes[] = {
    {"sim", open_sim_backend},
    {"unix", open_unix_backend},
};

std::string socket_dir() {
  if (const char* d = std::getenv("HYCIM_SOCKET_DIR")) return d;
  if (const char* d = std::getenv("XDG_RUNTIME_DIR")) return std::string(d) + "/hycim";
  return "/tmp/hycim-" + std::to_string(::getuid());
}

}  // namespace

std::shared_ptr<Backend> open_backend(std::string_view text) {
  const Uri uri = parse_uri(text);
  for (const Scheme& s : kSchemes)
    if (uri.scheme == s.name) return s.open(uri);
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
