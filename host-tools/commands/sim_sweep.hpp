// `hycim sim --sweep key=v1,v2 ...`: the cartesian product of sim:// device
// configurations, one child process of this binary per point (SystemC
// elaborates one device per process), each printing its row as JSON.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "host-tools/commands/sim_report.hpp"

namespace hycim::cli::sim {

// The sim:// keys a sweep may vary (nvm cannot: one image has one geometry).
inline constexpr const char* kSweepKeys[] = {"tile", "config", "tiles", "tech", "timing"};

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  // as given (timing paths unencoded)
};

// Parses "key=v1,v2,..."; every value is checked (tile model|rtl, config a
// named tile configuration, tiles 1..256, timing a readable file). Throws
// CliError(2) naming the problem.
SweepAxis parse_sweep(const std::string& spec);

// A sim:// URI's query as (key, raw value) pairs in order; CliError(2) when
// `uri` is not sim://, has a path, or a malformed query.
std::vector<std::pair<std::string, std::string>> sim_query(const std::string& uri);

// sim://?k=v&... with values percent-encoded where the URI syntax needs it.
std::string uri_escape(const std::string& value);

struct SweepPoint {
  std::string uri;
  std::vector<std::pair<std::string, std::string>> settings;  // every key -> value (decoded)
};

// Every point of the product over `axes` (the first axis varies slowest) on
// top of `base_uri` (sim://, without nvm, without a swept key). CliError(2).
std::vector<SweepPoint> sweep_points(const std::string& base_uri,
                                     const std::vector<SweepAxis>& axes);

// Runs `exe sim <args...> --device URI --format json` for every point, `jobs`
// at a time, and returns one row per point in point order: the child's row,
// or a row with status "error" and the child's message (see `failed`).
// `base` is the row a failed point starts from (layer, seed, ...).
// `on_point`, if set, is called with the number of points done after each.
std::vector<Row> run_points(const std::vector<SweepPoint>& points,
                            const std::vector<std::string>& args, const Row& base, unsigned jobs,
                            bool* failed,
                            const std::function<void(size_t done)>& on_point = nullptr);

}  // namespace hycim::cli::sim
