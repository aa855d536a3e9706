// Published macros: strict descriptions, predictions from the description
// alone, the calibration the technology file records, and every prediction
// within the error bound its file documents.
#include "sim/tech/macro.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hycim::tech {
namespace {

std::string error_of(const nlohmann::json& j) {
  try {
    Macro::from_json(j, "m");
  } catch (const TechError& e) {
    return e.what();
  }
  return "no error";
}

nlohmann::json minimal() {
  return nlohmann::json::parse(R"({
    "title": "t", "citation": "c", "node_nm": 28, "rows": 64, "lanes": 4, "wbits": 8,
    "points": [{"vdd": 0.9, "clock_mhz": 100, "xbits": 8, "wbits": 8,
                "tops_w": {"value": 10, "source": "s"}}]})");
}

TEST(Macro, DescriptionsAreStrict) {
  EXPECT_EQ(error_of(minimal()), "no error");
  auto j = minimal();
  j["lane"] = 4;
  EXPECT_EQ(error_of(j), "macro m.lane: unknown key");
  j = minimal();
  j["points"][0]["tops_w"].erase("source");
  EXPECT_EQ(error_of(j), "macro m.points[0].tops_w.source: a published figure needs its source");
  j = minimal();
  j["points"][0].erase("tops_w");
  EXPECT_EQ(error_of(j), "macro m.points[0]: no published figure (tops_w, tops_mm2 or fj_per_mac)");
  j = minimal();
  j["rows_per_cycle"] = 65;
  EXPECT_EQ(error_of(j), "macro m.rows_per_cycle: 65 is not an integer in 1..64");
  j = minimal();
  j["input_encoding"] = "booth";
  EXPECT_EQ(error_of(j), "macro m.input_encoding: booth takes two input bits a cycle");
}

// Throughput, latency and ops follow from the description and the clock.
TEST(Macro, ThroughputFromGeometryAndClock) {
  auto j = minimal();
  j["banks"] = 2;
  j["rows_per_cycle"] = 16;
  const Macro m = Macro::from_json(j, "m");
  const Prediction p = predict(m, load_technology("cmos28")).front();
  // 8 bit planes x 64/16 row groups = 32 cycles of 10 ns.
  EXPECT_DOUBLE_EQ(p.latency_ns, 320);
  EXPECT_DOUBLE_EQ(p.tops, 2.0 * 64 * 4 * 2 / 320 * 1e-3);
  EXPECT_NEAR(p.tops_w, 2.0 * 64 * 4 * 2 / p.energy.total(), 1e-9);
  EXPECT_NEAR(*p.err_tops_w, p.tops_w / 10 - 1, 1e-12);
}

TEST(Macro, TheCatalogsCalibrationIsWhatCalibrateFinds) {
  const Technology t = load_technology("cmos28");
  ASSERT_EQ(t.calibration.macros.size(), 2u);
  std::vector<Macro> on;
  for (const Macro& m : catalog_macros())
    if (m.calibration) on.push_back(m);
  ASSERT_EQ(on.size(), 2u);
  const Calibration c = calibrate(on, t.uncalibrated());
  EXPECT_NEAR(c.energy, t.calibration.energy, 1e-5 * c.energy);
  EXPECT_NEAR(c.area, t.calibration.area, 1e-5 * c.area);
  EXPECT_EQ(c.macros, t.calibration.macros);
  // Calibrated, the two agree with their own figures on average (geometric).
  double log_e = 0, log_a = 0;
  for (const Macro& m : on) {
    const Prediction p = predict(m, t).front();
    log_e += std::log(1 + *p.err_tops_w);
    log_a += std::log(1 + *p.err_area);
  }
  EXPECT_NEAR(log_e, 0, 1e-5);
  EXPECT_NEAR(log_a, 0, 1e-5);
}

// Each macro file states the error its predictions are held to
// (docs/device.md "Published macros" tabulates them); a change to the model
// that moves a prediction outside it fails here.
TEST(Macro, EveryPredictionWithinItsDocumentedBound) {
  const Technology t = load_technology("cmos28");
  for (const Macro& m : catalog_macros()) {
    ASSERT_TRUE(m.bound_energy && m.bound_area) << m.name << ": no model_error_bound";
    for (const Prediction& p : predict(m, t)) {
      const double energy_err = p.energy_error().value_or(0);
      EXPECT_LE(std::abs(energy_err), *m.bound_energy)
          << m.name << " at " << p.point->vdd << " V: TOPS/W off by " << energy_err;
      if (p.err_area) {
        EXPECT_LE(std::abs(*p.err_area), *m.bound_area)
            << m.name << ": area off by " << *p.err_area;
      }
    }
  }
}

}  // namespace
}  // namespace hycim::tech
