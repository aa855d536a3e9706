// JSON form of a plan ("hycim-memplan-plan" version 1): only the activations
// that are not kept and the offloaded ops are listed, by name, with slots
// given as op names so a plan reads against its trace.
#include <fmt/format.h>

#include <unordered_map>

#include "runtime/memplan/plan.hpp"

namespace hycim::memplan {

using nlohmann::json;

namespace {

json slot(const Trace& tr, int j) {
  return j < 0 ? json(nullptr) : json(tr.ops[j].name);
}

int slot_from(const std::unordered_map<std::string, int>& ops, const json& o, const char* key,
              const std::string& where) {
  // null is how plan_to_json writes "no slot" (-1).
  if (!o.contains(key) || o[key].is_null()) return -1;
  if (!o[key].is_string())
    throw MemplanError(fmt::format("plan: {} \"{}\" is not an op name", where, key));
  auto it = ops.find(o[key].get<std::string>());
  if (it == ops.end())
    throw MemplanError(fmt::format("plan: {} \"{}\" names unknown op '{}'", where, key,
                                   o[key].get<std::string>()));
  return it->second;
}

// A member of `o` that must have one JSON type when present (nlohmann's
// value() would throw its own type_error, naming neither the key nor the tensor).
const json* member(const json& o, const char* key, json::value_t type, const char* type_name,
                   const std::string& where) {
  auto it = o.find(key);
  if (it == o.end()) return nullptr;
  if (it->type() != type)
    throw MemplanError(fmt::format("plan: {} \"{}\" is not {}", where, key, type_name));
  return &*it;
}

std::string string_or(const json& o, const char* key, const std::string& dflt,
                      const std::string& where) {
  const json* v = member(o, key, json::value_t::string, "a string", where);
  return v ? v->get<std::string>() : dflt;
}

const json& array_or_empty(const json& o, const char* key) {
  static const json empty = json::array();
  const json* v = member(o, key, json::value_t::array, "a list", "document");
  return v ? *v : empty;
}

}  // namespace

json plan_to_json(const Trace& tr, const Plan& plan) {
  json tensors = json::array();
  for (std::size_t i = 0; i < tr.tensors.size(); ++i) {
    const TensorPlan& p = plan.tensors[i];
    if (p.action == Action::kKeep) continue;
    json o = {{"name", tr.tensors[i].name}, {"action", to_string(p.action)}};
    if (p.action == Action::kSwap) {
      o["compressed"] = p.compressed;
      o["free_at"] = slot(tr, p.free_at);
      o["swap_in_at"] = slot(tr, p.swap_in_at);
    } else {
      o["remat_at"] = slot(tr, p.remat_at);
    }
    tensors.push_back(std::move(o));
  }
  json off = json::array();
  for (std::size_t j = 0; j < tr.ops.size(); ++j)
    if (plan.offloaded[j]) off.push_back(tr.ops[j].name);
  return {{"format", "hycim-memplan-plan"},
          {"version", 1},
          {"planner", plan.planner},
          {"tensors", tensors},
          {"offloaded", off}};
}

Plan plan_from_json(const Trace& tr, const json& j) {
  if (!j.is_object() || !j.contains("format") || j["format"] != "hycim-memplan-plan")
    throw MemplanError("plan: not a hycim-memplan-plan document");
  Plan plan = Plan::keep_all(tr, string_or(j, "planner", "file", "document"));
  std::unordered_map<std::string, int> ops;
  for (std::size_t k = 0; k < tr.ops.size(); ++k) ops.emplace(tr.ops[k].name, static_cast<int>(k));
  const json& tensors = array_or_empty(j, "tensors");
  // A tensor listed twice would have its first entry silently overwritten.
  std::unordered_map<int, std::size_t> entry_of;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const json& o = tensors[i];
    if (!o.is_object())
      throw MemplanError(fmt::format("plan: tensor entry #{} is not an object", i));
    const std::string name = string_or(o, "name", "", fmt::format("tensor entry #{}", i));
    const int id = tr.tensor_id(name);
    if (id < 0) throw MemplanError(fmt::format("plan: unknown tensor '{}'", name));
    if (auto [it, fresh] = entry_of.emplace(id, i); !fresh)
      throw MemplanError(fmt::format("plan: tensor '{}' appears twice (tensor entry #{} and #{})",
                                     name, it->second, i));
    const std::string where = fmt::format("tensor '{}'", name),
                      a = string_or(o, "action", "", where);
    TensorPlan& p = plan.tensors[id];
    if (a == "swap") {
      p.action = Action::kSwap;
      const json* c = member(o, "compressed", json::value_t::boolean, "true or false", where);
      p.compressed = c && c->get<bool>();
      p.free_at = slot_from(ops, o, "free_at", where);
      p.swap_in_at = slot_from(ops, o, "swap_in_at", where);
    } else if (a == "recompute") {
      p.action = Action::kRecompute;
      p.remat_at = slot_from(ops, o, "remat_at", where);
    } else if (a != "keep") {
      throw MemplanError(fmt::format("plan: {} has unknown action \"{}\"", where, a));
    }
  }
  const json& offloaded = array_or_empty(j, "offloaded");
  std::unordered_map<int, std::size_t> offload_entry_of;
  for (std::size_t i = 0; i < offloaded.size(); ++i) {
    const json& n = offloaded[i];
    auto it = ops.find(n.is_string() ? n.get<std::string>() : "");
    if (it == ops.end())
      throw MemplanError(fmt::format("plan: offloaded op {} is unknown", n.dump()));
    if (auto [e, fresh] = offload_entry_of.emplace(it->second, i); !fresh)
      throw MemplanError(
          fmt::format("plan: offloaded op {} appears twice (offloaded entry #{} and #{})", n.dump(),
                      e->second, i));
    plan.offloaded[it->second] = true;
  }
  return plan;
}

}  // namespace hycim::memplan
