// DeviceOffloadTarget: inference ops offloaded at the device profile's own
// figures, and profiles that say what is wrong with them.
#include "runtime/memplan/device_offload.hpp"

#include <gtest/gtest.h>

#include "runtime/memplan/evaluate.hpp"
#include "runtime/memplan/networks.hpp"

namespace hycim::memplan {
namespace {

// A profile naming every teacher op of `tr`, op k taking k + 0.25 us on the
// tiles and 1000 + k us on the host; odd ops ran on the host.
nlohmann::json profile_of(const Trace& tr) {
  nlohmann::json ops = nlohmann::json::object();
  int k = 0;
  for (const Op& op : tr.ops)
    if (op.phase == Phase::kInference) {
      ops[op.name] = {{"on_device", k % 2 == 0}, {"sim_us", k + 0.25}, {"host_us", 1000.0 + k}};
      ++k;
    }
  return {{"format", "hycim-device-profile"},
          {"version", 1},
          {"device", "test"},
          {"nvm_weight_bytes", 1 << 20},
          {"ops", ops}};
}

TEST(DeviceOffload, EveryProfiledOpRunsOnTheDeviceAtItsProfiledTime) {
  const Trace tr = make_distillation("vgg16", "resnet50", 2);
  const auto lt = analyze(tr);
  nlohmann::json pj = profile_of(tr);
  // One teacher op left out of the profile stays on the GPU.
  std::string left_out;
  for (const Op& op : tr.ops)
    if (op.phase == Phase::kInference) left_out = op.name;
  pj["ops"].erase(left_out);
  const DeviceOffloadTarget target(device_profile_from_json(pj, "profile"));
  EvalSettings s;
  s.offload = &target;
  const Evaluation e = evaluate(tr, lt, "none", unmanaged_peak(tr, lt), s);
  ASSERT_TRUE(e.ok()) << e.sim.error;
  const nlohmann::json j = evaluation_to_json(e, &tr);
  ASSERT_EQ(j["offloaded"].size(), pj["ops"].size());
  double sum = 0;
  for (const auto& o : j["offloaded"]) {
    const auto& node = pj["ops"][o["op"].get<std::string>()];
    const double want = node["on_device"].get<bool>() ? node["sim_us"].get<double>()
                                                      : node["host_us"].get<double>();
    EXPECT_DOUBLE_EQ(o["device_us"].get<double>(), want) << o["op"];
    sum += want;
  }
  EXPECT_DOUBLE_EQ(j["device_us"].get<double>(), sum);
  for (std::size_t k = 0; k < tr.ops.size(); ++k)
    EXPECT_EQ(e.outcome.plan.offloaded[k],
              tr.ops[k].phase == Phase::kInference && tr.ops[k].name != left_out)
        << tr.ops[k].name;
}

TEST(DeviceOffload, BadProfilesAreRefusedNamingTheField) {
  const Trace tr = make_distillation("vgg16", "resnet50", 2);
  auto refused = [&](nlohmann::json j, const std::string& what) {
    try {
      device_profile_from_json(j, "p.json");
      ADD_FAILURE() << "accepted: " << j.dump();
    } catch (const MemplanError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  nlohmann::json good = profile_of(tr);
  nlohmann::json j = good;
  j["format"] = "hycim-memplan-trace";
  refused(j, "not a hycim-device-profile");
  j = good;
  j["version"] = 2;
  refused(j, "version 2");
  j = good;
  j["ops"] = nlohmann::json::object();
  refused(j, "'ops'");
  j = good;
  j["ops"].begin().value()["sim_us"] = -1;
  refused(j, "'sim_us' must be a number >= 0");
  j = good;
  j["ops"].begin().value().erase("host_us");
  refused(j, "op '" + good["ops"].begin().key() + "'");
  EXPECT_THROW(load_device_profile("/nonexistent/profile.json"), MemplanError);
}

}  // namespace
}  // namespace hycim::memplan
