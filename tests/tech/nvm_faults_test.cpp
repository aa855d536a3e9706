// NVM fault models (sim/tech/nvm_faults.hpp): the presets load with a source
// for every value, bad files are refused naming the key, and the formulas
// give back the numbers they were fitted to.
#include "sim/tech/nvm_faults.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace hycim::tech {
namespace {

using ::testing::HasSubstr;

TEST(NvmFaults, EveryPresetLoadsWithASourceForEveryValue) {
  EXPECT_THAT(nvm_fault_names(), ::testing::IsSupersetOf({"pcm", "rram", "stt_mram"}));
  for (const std::string& name : nvm_fault_names()) {
    const NvmFaults f = load_nvm_faults(name);
    EXPECT_EQ(f.name, name);
    EXPECT_FALSE(f.doc.empty()) << name;
    for (const Param* p :
         {&f.stuck_at_0, &f.stuck_at_1, &f.read_disturb, &f.write_error_rate, &f.endurance,
          &f.retention.ea_ev, &f.retention.ber, &f.retention.time_s, &f.retention.temp_c})
      EXPECT_FALSE(p->source.empty()) << name;
  }
}

TEST(NvmFaults, UnknownMissingAndOutOfRangeKeysAreNamed) {
  nlohmann::json j = load_nvm_faults("stt_mram").to_json();
  j["stuck_at_2"] = 0.1;
  EXPECT_THAT([&] { NvmFaults::from_json(j); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("stt_mram.stuck_at_2: unknown key")));
  j.erase("stuck_at_2");
  j["retention"]["temp"] = 1;
  EXPECT_THAT([&] { NvmFaults::from_json(j); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("retention.temp: unknown key")));
  j["retention"].erase("temp");
  j.erase("endurance");
  EXPECT_THAT([&] { NvmFaults::from_json(j); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("stt_mram.endurance: missing")));
  j["endurance"] = 1e6;
  j["read_disturb"] = 1.5;
  EXPECT_THAT([&] { NvmFaults::from_json(j); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("read_disturb: 1.5 is not a")));
  EXPECT_THAT([] { load_nvm_faults("flash"); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("not in the catalog (pcm, rram")));
}

// Found by tests/fuzz/config_json_fuzz.cpp: a file holding JSON that is no
// object used to escape as a nlohmann::json::type_error.
TEST(NvmFaults, AFileThatIsNoObjectIsRefusedNamingIt) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("hycim_faults_" + std::to_string(::getpid()) + ".json"))
                               .string();
  std::ofstream(path) << "[1, 2]";
  EXPECT_THAT([&] { load_nvm_faults(path); },
              ::testing::ThrowsMessage<TechError>(HasSubstr("expected a JSON object")));
  std::filesystem::remove(path);
}

TEST(NvmFaults, RetentionGivesBackItsSpecAndFollowsArrhenius) {
  const NvmFaults f = load_nvm_faults("rram");
  const RetentionSpec& r = f.retention;
  const double at_spec = f.retention_hazard_per_s(r.temp_c.value) * r.time_s.value;
  EXPECT_NEAR(flip_probability(at_spec), r.ber.value, r.ber.value * 1e-9);
  // exp(Ea/k (1/T1 - 1/T2)) between two temperatures.
  const double k = 8.617333262e-5, t1 = 25 + 273.15, t2 = 125 + 273.15;
  EXPECT_NEAR(f.retention_hazard_per_s(125) / f.retention_hazard_per_s(25),
              std::exp(r.ea_ev.value / k * (1 / t1 - 1 / t2)),
              1e-6 * f.retention_hazard_per_s(125) / f.retention_hazard_per_s(25));
  EXPECT_GT(f.retention_hazard_per_s(85), f.retention_hazard_per_s(55));
}

TEST(NvmFaults, ProgramErrorsRiseFromTheFreshRateToCertaintyAtTheEndurance) {
  const NvmFaults f = load_nvm_faults("stt_mram");
  const double e = f.endurance.value, w = f.write_error_rate.value;
  EXPECT_DOUBLE_EQ(f.write_error_at(0), w);
  EXPECT_NEAR(f.write_error_at(uint64_t(e / 2)), std::sqrt(w), 1e-9);
  EXPECT_DOUBLE_EQ(f.write_error_at(uint64_t(e)), 1.0);
  EXPECT_DOUBLE_EQ(f.write_error_at(uint64_t(e) * 2), 1.0);
  EXPECT_NEAR(f.read_hazard(), f.read_disturb.value, f.read_disturb.value * 1e-6);
  EXPECT_EQ(flip_probability(0), 0);
}

}  // namespace
}  // namespace hycim::tech
