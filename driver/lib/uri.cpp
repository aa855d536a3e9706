#include "driver/lib/uri.hpp"

#include <cctype>

#include "driver/driver.hpp"

namespace hycim::driver {
namespace {

std::string decode(std::string_view s, std::string_view uri) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      throw DriverError(Status::kInvalid,
                        "bad percent escape in device URI '" + std::string(uri) + "'");
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

}  // namespace

Uri parse_uri(std::string_view text) {
  Uri u;
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0)
    throw DriverError(Status::kInvalid,
                      "device URI '" + std::string(text) + "' has no scheme (sim:// or unix://)");
  u.scheme = std::string(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  const size_t q = rest.find('?');
  u.path = decode(rest.substr(0, q), text);
  if (q == std::string_view::npos) return u;
  std::string_view query = rest.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw DriverError(Status::kInvalid, "device URI '" + std::string(text) + "': '" +
                                              std::string(item) + "' is not key=value");
    std::string key = decode(item.substr(0, eq), text);
    if (u.query.count(key))
      throw DriverError(Status::kInvalid,
                        "device URI '" + std::string(text) + "': key '" + key + "' given twice");
    u.query[key] = decode(item.substr(eq + 1), text);
  }
  return u;
}

}  // namespace hycim::driver
