#include "runtime/memplan/trace_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <type_traits>
#include <unordered_map>

namespace hycim::memplan {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "hycim-memplan-trace";

// Field access that names what is missing or mistyped instead of surfacing
// nlohmann's generic type_error.
const json& field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) throw MemplanError(fmt::format("trace: {} is not a JSON object", where));
  auto it = obj.find(key);
  if (it == obj.end()) throw MemplanError(fmt::format("trace: {} has no \"{}\"", where, key));
  return *it;
}

// Whether `v` is an integer (or a float with an integral value) that T holds:
// nlohmann converts any number to any arithmetic type unchecked, and a float
// out of T's range is undefined behaviour.
template <typename T>
bool integral_in_range(const json& v) {
  if (v.is_number_unsigned())
    return v.get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max());
  if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    return x >= std::int64_t(std::numeric_limits<T>::min()) &&
           (x < 0 || std::uint64_t(x) <= std::uint64_t(std::numeric_limits<T>::max()));
  }
  if (!v.is_number_float()) return false;
  const double x = v.get<double>();
  // 2^63 and up do not fit int64_t; the limits of smaller types are exact doubles.
  return std::floor(x) == x && x >= double(std::numeric_limits<T>::min()) &&
         x < std::ldexp(1.0, std::numeric_limits<T>::digits);
}

template <typename T>
T get(const json& obj, const char* key, const std::string& where) {
  const json& v = field(obj, key, where);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v.is_number() && !integral_in_range<T>(v))
      throw MemplanError(fmt::format("trace: {} field \"{}\" ({}) is not an integer in [{}, {}]",
                                     where, key, v.dump(), std::numeric_limits<T>::min(),
                                     std::numeric_limits<T>::max()));
  }
  try {
    return v.get<T>();
  } catch (const json::exception&) {
    throw MemplanError(
        fmt::format("trace: {} field \"{}\" has the wrong type ({})", where, key, v.type_name()));
  }
}

template <typename T>
T get_or(const json& obj, const char* key, const std::string& where, T dflt) {
  return obj.contains(key) ? get<T>(obj, key, where) : dflt;
}

TensorKind kind_from(const std::string& s, const std::string& where) {
  for (auto k : {TensorKind::kWeight, TensorKind::kInput, TensorKind::kWeightGrad,
                 TensorKind::kActivation, TensorKind::kGradient, TensorKind::kWorkspace})
    if (s == to_string(k)) return k;
  throw MemplanError(fmt::format("trace: {} has unknown kind \"{}\"", where, s));
}

Phase phase_from(const std::string& s, const std::string& where) {
  for (auto p : {Phase::kForward, Phase::kBackward, Phase::kInference})
    if (s == to_string(p)) return p;
  throw MemplanError(fmt::format("trace: {} has unknown phase \"{}\"", where, s));
}

std::vector<int> ids(const json& op, const char* key, const std::string& where,
                     const std::unordered_map<std::string, int>& by_name) {
  std::vector<int> out;
  for (const auto& n : get<std::vector<std::string>>(op, key, where)) {
    auto it = by_name.find(n);
    if (it == by_name.end())
      throw MemplanError(fmt::format("trace: {} {} unknown tensor '{}'", where, key, n));
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

Trace trace_from_json(const json& j) {
  const std::string top = "top level";
  const auto format = get<std::string>(j, "format", top);
  if (format != kFormat)
    throw MemplanError(fmt::format("trace: format is \"{}\", expected \"{}\"", format, kFormat));
  const int version = get<int>(j, "version", top);
  if (version != 1) throw MemplanError(fmt::format("trace: version {} is not supported", version));
  Trace tr;
  tr.network = get_or<std::string>(j, "network", top, "");
  tr.batch = get_or<int>(j, "batch", top, 0);
  std::unordered_map<std::string, int> by_name;
  const json& tensors = field(j, "tensors", top);
  if (!tensors.is_array()) throw MemplanError("trace: \"tensors\" is not an array");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::string where = fmt::format("tensor #{}", i);
    Tensor t;
    t.name = get<std::string>(tensors[i], "name", where);
    const std::string named = fmt::format("tensor '{}'", t.name);
    t.kind = kind_from(get<std::string>(tensors[i], "kind", named), named);
    const auto bytes = get<std::int64_t>(tensors[i], "bytes", named);
    if (bytes <= 0) throw MemplanError(fmt::format("trace: {} has bytes {} <= 0", named, bytes));
    t.bytes = static_cast<std::uint64_t>(bytes);
    t.sparsity = get_or<double>(tensors[i], "sparsity", named, 0.0);
    t.recompute_us = get_or<double>(tensors[i], "recompute_us", named, -1.0);
    if (auto [it, fresh] = by_name.emplace(t.name, static_cast<int>(i)); !fresh)
      throw MemplanError(
          fmt::format("trace: tensor name '{}' appears twice (tensor #{} and tensor #{})", t.name,
                      it->second, i));
    tr.tensors.push_back(std::move(t));
  }
  const json& ops = field(j, "ops", top);
  if (!ops.is_array()) throw MemplanError("trace: \"ops\" is not an array");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Op op;
    op.name = get<std::string>(ops[i], "name", fmt::format("op #{}", i));
    const std::string where = fmt::format("op '{}'", op.name);
    op.phase = phase_from(get<std::string>(ops[i], "phase", where), where);
    op.compute_us = get<double>(ops[i], "compute_us", where);
    op.reads = ids(ops[i], "reads", where, by_name);
    op.writes = ids(ops[i], "writes", where, by_name);
    tr.ops.push_back(std::move(op));
  }
  analyze(tr);
  return tr;
}

Trace load_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw MemplanError(fmt::format("trace: cannot open '{}'", path));
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double.
    throw MemplanError(fmt::format("trace: '{}' is not valid JSON: {}", path, e.what()));
  }
  return trace_from_json(j);
}

json trace_to_json(const Trace& tr) {
  json tensors = json::array();
  for (const auto& t : tr.tensors) {
    json o = {{"name", t.name}, {"kind", to_string(t.kind)}, {"bytes", t.bytes}};
    if (t.sparsity > 0) o["sparsity"] = t.sparsity;
    if (t.recompute_us >= 0) o["recompute_us"] = t.recompute_us;
    tensors.push_back(std::move(o));
  }
  json ops = json::array();
  auto names = [&](const std::vector<int>& v) {
    json a = json::array();
    for (int id : v) a.push_back(tr.tensors[id].name);
    return a;
  };
  for (const auto& op : tr.ops)
    ops.push_back({{"name", op.name},
                   {"phase", to_string(op.phase)},
                   {"compute_us", op.compute_us},
                   {"reads", names(op.reads)},
                   {"writes", names(op.writes)}});
  return {{"format", kFormat}, {"version", 1},       {"network", tr.network},
          {"batch", tr.batch}, {"tensors", tensors}, {"ops", ops}};
}

void save_trace(const Trace& tr, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw MemplanError(fmt::format("trace: cannot write '{}'", path));
  out << trace_to_json(tr).dump(1) << "\n";
  if (!out) throw MemplanError(fmt::format("trace: writing '{}' failed", path));
}

}  // namespace hycim::memplan
