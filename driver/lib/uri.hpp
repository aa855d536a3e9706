// Device URIs: scheme://path?key=value&key=value (values percent-decoded).
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace hycim::driver {

struct Uri {
  std::string scheme;
  std::string path;
  std::map<std::string, std::string> query;
};

// Throws DriverError(kInvalid) naming what is wrong.
Uri parse_uri(std::string_view text);

}  // namespace hycim::driver
