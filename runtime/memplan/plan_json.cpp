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
  if (!o.contains(key)) return -1;
  if (!o[key].is_string())
    throw MemplanError(fmt::format("plan: {} \"{}\" is not an op name", where, key));
  auto it = ops.find(o[key].get<std::string>());
  if (it == ops.end())
    throw MemplanError(fmt::format("plan: {} \"{}\" names unknown op '{}'", where, key,
                                   o[key].get<std::string>()));
  return it->second;
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
  if (!j.is_object() || j.value("format", "") != "hycim-memplan-plan")
    throw MemplanError("plan: not a hycim-memplan-plan document");
  Plan plan = Plan::keep_all(tr, j.value("planner", "file"));
  std::unordered_map<std::string, int> ops;
  for (std::size_t k = 0; k < tr.ops.size(); ++k) ops.emplace(tr.ops[k].name, static_cast<int>(k));
  for (const auto& o : j.value("tensors", json::array())) {
    const std::string name = o.value("name", "");
    const int id = tr.tensor_id(name);
    if (id < 0) throw MemplanError(fmt::format("plan: unknown tensor '{}'", name));
    const std::string where = fmt::format("tensor '{}'", name), a = o.value("action", "");
    TensorPlan& p = plan.tensors[id];
    if (a == "swap") {
      p.action = Action::kSwap;
      p.compressed = o.value("compressed", false);
      p.free_at = slot_from(ops, o, "free_at", where);
      p.swap_in_at = slot_from(ops, o, "swap_in_at", where);
    } else if (a == "recompute") {
      p.action = Action::kRecompute;
      p.remat_at = slot_from(ops, o, "remat_at", where);
    } else if (a != "keep") {
      throw MemplanError(fmt::format("plan: {} has unknown action \"{}\"", where, a));
    }
  }
  for (const auto& n : j.value("offloaded", json::array())) {
    auto it = ops.find(n.is_string() ? n.get<std::string>() : "");
    if (it == ops.end())
      throw MemplanError(fmt::format("plan: offloaded op {} is unknown", n.dump()));
    plan.offloaded[it->second] = true;
  }
  return plan;
}

}  // namespace hycim::memplan
