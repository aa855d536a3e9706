#include "host-tools/version.hpp"

#include <fmt/format.h>

#include "host-tools/build_info.hpp"
#include "hycim/spec/device_spec.hpp"

namespace hycim::cli {

std::string version_text() {
  const std::string git = *build::kGitDescribe ? fmt::format(" (git {})", build::kGitDescribe)
                                               : std::string(" (git: unknown)");
  return fmt::format(
      "hycim {}{}\n"
      "spec {}.{} (device register map and command format, spec/hycim.json)\n"
      "build {}, {}",
      build::kProjectVersion, git, spec::device::kVersionMajor, spec::device::kVersionMinor,
      build::kBuildType, build::kCompiler);
}

}  // namespace hycim::cli
