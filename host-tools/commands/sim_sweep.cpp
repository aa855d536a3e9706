#include "host-tools/commands/sim_sweep.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "host-tools/command_registry.hpp"
#include "hycim/spec/tile_spec.hpp"
#include "sim/tech/technology.hpp"

extern char** environ;

namespace hycim::cli::sim {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    const size_t at = s.find(sep, from);
    out.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos) return out;
    from = at + 1;
  }
}

std::string known_keys() {
  std::string s;
  for (const char* k : kSweepKeys) s += (s.empty() ? "" : ", ") + std::string(k);
  return s;
}

void check_value(const std::string& key, const std::string& v) {
  const std::string what = fmt::format("--sweep {}: value '{}'", key, v);
  if (v.empty()) throw CliError(fmt::format("--sweep {}: empty value in the list", key), 2);
  if (key == "tile") {
    if (v != "model" && v != "rtl")
      throw CliError(what + " is not a tile kind (allowed: model, rtl)", 2);
  } else if (key == "config") {
    std::string known;
    for (const auto& c : spec::kNamedTileConfigs) {
      if (c.name == v) return;
      known += (known.empty() ? "" : ", ") + std::string(c.name);
    }
    throw CliError(what + " is not a named tile configuration (allowed: " + known + ")", 2);
  } else if (key == "tiles") {
    const bool digits = v.size() <= 4 && std::all_of(v.begin(), v.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; });
    const int n = digits ? std::stoi(v) : 0;
    if (n < 1 || n > 256) throw CliError(what + " is not a tile count (allowed: 1..256)", 2);
  } else if (key == "timing") {
    std::ifstream in(v);
    if (!in) throw CliError(what + ": timing file cannot be read", 2);
  } else if (key == "tech") {
    try {
      tech::load_technology(v);
    } catch (const tech::TechError& e) {
      throw CliError(fmt::format("--sweep tech: {}", e.what()), 2);
    }
  }
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The last "hycim: error: ..." line of a child's stderr (else its last line).
std::string child_message(const std::string& err, int status) {
  std::string last, last_error;
  for (const std::string& line : split(err, '\n')) {
    if (line.empty()) continue;
    last = line;
    static const std::string kPrefix = "hycim: error: ";
    if (line.rfind(kPrefix, 0) == 0) last_error = line.substr(kPrefix.size());
  }
  std::string how;
  if (WIFEXITED(status))
    how = fmt::format("exit code {}", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    how = fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (!last_error.empty()) return last_error;
  return last.empty() ? how : last + " (" + how + ")";
}

struct Child {
  size_t point = 0;
  pid_t pid = -1;
  int out = -1, err = -1;
  std::string out_text, err_text;
};

std::string self_exe() {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0)
    throw CliError(
        fmt::format("cannot find this program (/proc/self/exe): {}", std::strerror(errno)));
  return std::string(buf.data(), static_cast<size_t>(n));
}

Child spawn(const std::string& exe, const std::vector<std::string>& args, size_t point) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw CliError(fmt::format("pipe: {}", std::strerror(errno)));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw CliError(fmt::format("pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child c;
  c.point = point;
  const int rc = posix_spawn(&c.pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    throw CliError(fmt::format("cannot start {}: {}", exe, std::strerror(rc)));
  }
  c.out = out[0];
  c.err = err[0];
  return c;
}

// The child's row, or an error row built on `fallback`.
Row finish(const Child& c, int status, Row fallback, bool* failed) {
  std::string error;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    try {
      const auto j = nlohmann::ordered_json::parse(c.out_text);
      if (!j.is_array() || j.size() != 1 || !j[0].is_object())
        throw std::runtime_error("not an array of one row");
      Row r = empty_row();
      for (auto& [key, value] : r.items())
        if (j[0].contains(key)) value = j[0][key];
      return r;
    } catch (const std::exception& e) {
      error = fmt::format("unreadable output from the child process: {}", e.what());
    }
  } else {
    error = child_message(c.err_text, status);
  }
  *failed = true;
  fallback["status"] = "error";
  fallback["error"] = error;
  return fallback;
}

}  // namespace

SweepAxis parse_sweep(const std::string& spec) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    throw CliError(
        fmt::format("--sweep '{}': expected key=v1,v2,... (keys: {})", spec, known_keys()), 2);
  SweepAxis a{spec.substr(0, eq), split(spec.substr(eq + 1), ',')};
  if (std::find_if(std::begin(kSweepKeys), std::end(kSweepKeys),
                   [&](const char* k) { return a.key == k; }) == std::end(kSweepKeys))
    throw CliError(fmt::format("--sweep: unknown key '{}' (keys: {}{})", a.key, known_keys(),
                               a.key == "nvm" ? "; an NVM image has one geometry, so nvm cannot "
                                                "be swept"
                                              : ""),
                   2);
  for (const std::string& v : a.values) check_value(a.key, v);
  for (size_t i = 0; i < a.values.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (a.values[i] == a.values[j])
        throw CliError(fmt::format("--sweep {}: value '{}' listed twice", a.key, a.values[i]), 2);
  return a;
}

std::vector<std::pair<std::string, std::string>> sim_query(const std::string& uri) {
  static const std::string kScheme = "sim://";
  if (uri.rfind(kScheme, 0) != 0)
    throw CliError(fmt::format("--sweep needs a sim:// device (each point is an in-process "
                               "device of its own); got '{}'",
                               uri),
                   2);
  std::string rest = uri.substr(kScheme.size());
  const size_t q = rest.find('?');
  if (!rest.substr(0, q).empty())
    throw CliError(fmt::format("device URI '{}': sim:// takes no path", uri), 2);
  std::vector<std::pair<std::string, std::string>> out;
  if (q == std::string::npos) return out;
  for (const std::string& item : split(rest.substr(q + 1), '&')) {
    const size_t eq = item.find('=');
    if (item.empty() && q + 1 == rest.size()) continue;  // "sim://?"
    if (eq == std::string::npos || eq == 0)
      throw CliError(fmt::format("device URI '{}': '{}' is not key=value", uri, item), 2);
    out.emplace_back(percent_decode(item.substr(0, eq)), item.substr(eq + 1));
  }
  return out;
}

std::string uri_escape(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || std::strchr("-._~/", c) != nullptr)
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::vector<SweepPoint> sweep_points(const std::string& base_uri,
                                     const std::vector<SweepAxis>& axes) {
  const auto base = sim_query(base_uri);
  for (const auto& [key, value] : base) {
    if (key == "nvm")
      throw CliError(
          "--sweep: the device has an NVM image (nvm=...), and an image has one "
          "geometry; sweep without --nvm",
          2);
    for (const SweepAxis& a : axes)
      if (a.key == key)
        throw CliError(fmt::format("--sweep {}: {} is also fixed by the device options ({}={}); "
                                   "give it in one place",
                                   key, key, key, value),
                       2);
  }
  for (size_t i = 0; i < axes.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (axes[i].key == axes[j].key)
        throw CliError(fmt::format("--sweep {} given twice: list every value in one --sweep "
                                   "{}=v1,v2,...",
                                   axes[i].key, axes[i].key),
                       2);
  std::vector<SweepPoint> points;
  std::vector<size_t> at(axes.size(), 0);
  for (;;) {
    SweepPoint p;
    auto query = base;
    for (const auto& [key, value] : base) p.settings.emplace_back(key, percent_decode(value));
    for (size_t i = 0; i < axes.size(); ++i) {
      const std::string& v = axes[i].values[at[i]];
      p.settings.emplace_back(axes[i].key, v);
      query.emplace_back(axes[i].key, uri_escape(v));
    }
    p.uri = "sim://";
    for (size_t i = 0; i < query.size(); ++i)
      p.uri += (i ? "&" : "?") + query[i].first + "=" + query[i].second;
    points.push_back(std::move(p));
    // Next index, last axis fastest.
    size_t i = axes.size();
    while (i > 0 && ++at[i - 1] == axes[i - 1].values.size()) at[--i] = 0;
    if (i == 0) break;
  }
  return points;
}

std::vector<Row> run_points(const std::vector<SweepPoint>& points,
                            const std::vector<std::string>& args, const Row& base, unsigned jobs,
                            bool* failed, const std::function<void(size_t done)>& on_point) {
  const std::string exe = self_exe();
  std::vector<Row> rows(points.size());
  size_t done = 0;
  std::vector<Child> running;
  size_t next = 0;
  jobs = std::max(jobs, 1u);
  while (next < points.size() || !running.empty()) {
    while (next < points.size() && running.size() < jobs) {
      std::vector<std::string> argv = {"hycim", "sim"};
      argv.insert(argv.end(), args.begin(), args.end());
      argv.insert(argv.end(), {"--device", points[next].uri, "--format", "json"});
      running.push_back(spawn(exe, argv, next));
      ++next;
    }
    std::vector<pollfd> fds;
    for (const Child& c : running) {
      if (c.out >= 0) fds.push_back({c.out, POLLIN, 0});
      if (c.err >= 0) fds.push_back({c.err, POLLIN, 0});
    }
    if (!fds.empty() && poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
      throw CliError(fmt::format("poll: {}", std::strerror(errno)));
    for (const pollfd& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      for (Child& c : running) {
        int* fd = c.out == p.fd ? &c.out : c.err == p.fd ? &c.err : nullptr;
        if (!fd) continue;
        char buf[65536];
        const ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
          (fd == &c.out ? c.out_text : c.err_text).append(buf, static_cast<size_t>(n));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          close(*fd);
          *fd = -1;
        }
      }
    }
    for (auto it = running.begin(); it != running.end();) {
      if (it->out >= 0 || it->err >= 0) {
        ++it;
        continue;
      }
      int status = 0;
      while (waitpid(it->pid, &status, 0) < 0 && errno == EINTR) {
      }
      Row fallback = base;
      fallback["device"] = points[it->point].uri;
      for (const auto& [key, value] : points[it->point].settings)
        if (fallback.contains(key)) {
          const bool count = key == "tiles" && !value.empty() && value.size() < 10 &&
                             std::all_of(value.begin(), value.end(),
                                         [](char ch) { return ch >= '0' && ch <= '9'; });
          fallback[key] =
              count ? nlohmann::ordered_json(std::stoul(value)) : nlohmann::ordered_json(value);
        }
      rows[it->point] = finish(*it, status, std::move(fallback), failed);
      it = running.erase(it);
      if (on_point) on_point(++done);
    }
  }
  return rows;
}

}  // namespace hycim::cli::sim
