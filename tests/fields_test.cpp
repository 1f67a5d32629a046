// The lab field table (sim/core/lab_fields.hpp) and `set` events. Every
// expectation is a property every field must have, checked field by field
// over the whole table, so a field added to the table is covered by these
// tests without a new line here: it is a parameter of tiers and named labs,
// generated labs draw it into its column, named labs override it, exits
// close up its column, and a `set` event on a named lab in the market
// changes it. And a `set` event may not change what the run reads only at
// its start, nor leave the scenario invalid.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "core/param_path.hpp"
#include "core/rules.hpp"
#include "fixtures.hpp"

namespace cw {
namespace {

// A value inside the field's support that no default has: distinct per
// field (index i) so that a value landing in the wrong column shows.
double probe_value(const Bounds& support, bool count, std::size_t i) {
  if (count) return static_cast<double>(2 + i % 3);                    // a whole number in [1, 64]
  if (support.hi <= 1.0) return 0.05 + 0.01 * static_cast<double>(i);  // inside [0, 1]
  return 0.3 + 0.1 * static_cast<double>(i);
}

template <class Column>
double value_of(const Column& column, std::size_t l) {
  return static_cast<double>(column[l]);
}

// The list of (key, value) probes, in table order.
struct Probe {
  std::string key;
  double value;
  bool count;
};
std::vector<Probe> probes() {
  std::vector<Probe> out;
  for_each_lab_param([&](const auto& f) {
    const bool count = field_kind<decltype(f)> == LabFieldKind::count;
    out.push_back({std::string(f.key), probe_value(f.support, count, out.size()), count});
  });
  return out;
}

TEST(LabFields, EveryFieldIsAParameterOfTiersAndNamedLabs) {
  Scenario s = test::tiny(2, 1);
  NamedLabParams n;
  n.name = "N";
  n.tier = "t";
  s.labs.named.push_back(n);
  std::set<std::string> paths;
  for (const ParamInfo& p : list_parameters(s)) paths.insert(p.path);
  const auto all = probes();
  ASSERT_EQ(all.size(), 13u);  // the table as of this test: grow it when the table grows
  for (const Probe& p : all) {
    EXPECT_TRUE(paths.count("labs.tiers[t]." + p.key)) << p.key;
    EXPECT_TRUE(paths.count("labs.named[N]." + p.key)) << p.key;
    // A mid-run set of a named lab's field is allowed; of a tier's, too
    // (it changes the labs drawn later).
    EXPECT_EQ(parameter_mid_run(s, "labs.named[N]." + p.key), MidRun::allowed) << p.key;
  }
}

TEST(LabFields, GeneratedLabsDrawEveryFieldIntoItsColumn) {
  Scenario s = test::tiny(2, 3);
  for (const Probe& p : probes()) {
    set_parameter(s, "labs.tiers[t]." + p.key, fmt::format("{}", p.value));
  }
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(s, problems)) << problems[0].path << ": " << problems[0].message;
  const State st = init_state(s);
  ASSERT_EQ(st.labs.n, 3u);
  std::size_t i = 0;
  const auto all = probes();
  for_each_lab_column(st.labs, [&](const auto& f, const auto& column) {
    ASSERT_EQ(std::string(f.key), all[i].key);
    for (std::size_t l = 0; l < st.labs.n; ++l) {
      EXPECT_EQ(value_of(column, l), all[i].value) << f.key << " lab " << l;
    }
    ++i;
  });
  EXPECT_EQ(i, all.size());
}

TEST(LabFields, DrawsAreClampedIntoTheFieldsSupport) {
  // A uniform draw on [-1, 2] for a field whose support is [0, 1] would be
  // refused by validation; the clamp is the engine's own guard, so build
  // the state directly: every lab's value lies in the support.
  Scenario s = test::tiny(2, 200);
  Dist wide;
  wide.kind = DistKind::uniform;
  wide.low = -1;
  wide.high = 2;
  s.labs.tiers[0].renewal = wide;
  s.labs.tiers[0].demand = wide;
  const State st = init_state(s);
  std::size_t low = 0, high = 0;
  for (std::size_t l = 0; l < st.labs.n; ++l) {
    EXPECT_GE(st.labs.renewal[l], 0.0);
    EXPECT_LE(st.labs.renewal[l], 1.0);
    EXPECT_GE(st.labs.demand[l], 0.0);
    low += st.labs.renewal[l] == 0.0;
    high += st.labs.renewal[l] == 1.0;
  }
  // A third of the draws fall below 0 and a third above 1: with 200 labs,
  // fewer than 20 on either side has probability below 1e-12.
  EXPECT_GT(low, 20u);
  EXPECT_GT(high, 20u);
}

TEST(LabFields, NamedLabsOverrideEveryField) {
  Scenario s = test::tiny(2, 2);
  NamedLabParams n;
  n.name = "N";
  n.tier = "t";
  s.labs.named.push_back(n);
  for (const Probe& p : probes()) {
    set_parameter(s, "labs.named[N]." + p.key, fmt::format("{}", p.value));
  }
  const State st = init_state(s);
  const std::int64_t slot = st.slot_of_named("N");
  ASSERT_GE(slot, 0);
  std::size_t i = 0;
  const auto all = probes();
  for_each_lab_column(st.labs, [&](const auto& f, const auto& column) {
    EXPECT_EQ(value_of(column, static_cast<std::size_t>(slot)), all[i].value) << f.key;
    ++i;
  });
}

TEST(LabFields, ExitsCloseUpEveryColumn) {
  Scenario s = test::tiny(2, 4);
  Dist spread;
  spread.kind = DistKind::uniform;
  spread.low = 0.1;
  spread.high = 0.9;
  for_each_lab_param([&](const auto& f) {
    if constexpr (field_kind<decltype(f)> != LabFieldKind::count) {
      s.labs.tiers[0].*f.tier = spread;
    }
  });
  State st = init_state(s);
  std::vector<std::vector<double>> old;  // per field, the value of each lab
  for_each_lab_column(st.labs, [&](const auto&, const auto& column) {
    old.emplace_back();
    for (std::size_t l = 0; l < st.labs.n; ++l) old.back().push_back(value_of(column, l));
  });
  remove_labs(st, {1, 0, 1, 1});  // lab 1 leaves: slots 2, 3 move to 1, 2
  ASSERT_EQ(st.labs.n, 3u);
  const std::size_t from[] = {0, 2, 3};
  std::size_t fields = 0;
  for_each_lab_column(st.labs, [&](const auto& f, const auto& column) {
    ASSERT_EQ(column.size(), 3u) << f.key;
    for (std::size_t l = 0; l < 3; ++l) {
      EXPECT_EQ(value_of(column, l), old[fields][from[l]]) << f.key << " slot " << l;
    }
    // The drawn fields differ between labs, so the check can fail.
    if (std::string(f.key) != "max_providers") {
      EXPECT_NE(old[fields][1], old[fields][2]) << f.key;
    }
    ++fields;
  });
  EXPECT_EQ(fields, probes().size());
}

TEST(LabFields, ASetEventChangesEveryFieldOfANamedLabInTheMarket) {
  Scenario s = test::tiny(2, 2);
  NamedLabParams n;
  n.name = "N";
  n.tier = "t";
  s.labs.named.push_back(n);
  s.steps = 3;
  for (const Probe& p : probes()) {
    EventParams e;
    e.name = "set-" + p.key;
    e.type = EventType::set;
    e.step = 1;
    e.path = "labs.named[N]." + p.key;
    e.value = fmt::format("{}", p.value);
    s.events.push_back(e);
  }
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(s, problems)) << problems[0].path << ": " << problems[0].message;
  Simulation sim(s);
  sim.step();
  sim.step();  // the events fire at the end of step 1
  const auto slot = static_cast<std::size_t>(sim.state().slot_of_named("N"));
  std::size_t i = 0;
  const auto all = probes();
  for_each_lab_column(sim.mutable_state().labs, [&](const auto& f, const auto& column) {
    // Set at the end of step 1 (demand's growth applies from step 2 on).
    EXPECT_EQ(value_of(column, slot), all[i].value) << f.key;
    ++i;
  });
}

TEST(ProviderMirrors, ASetEventUpdatesEveryMirroredParameterInTheState) {
  Scenario s = test::tiny(2, 2);
  s.steps = 3;
  double value = 0.3;
  for (const ProviderMirror& m : kProviderMirrors) {
    EventParams e;
    e.name = "set-" + std::string(m.key);
    e.type = EventType::set;
    e.step = 1;
    e.path = "providers[P1]." + std::string(m.key);
    e.value = fmt::format("{}", value);
    value += 0.1;
    s.events.push_back(e);
  }
  std::vector<Problem> problems;
  ASSERT_TRUE(check_scenario(s, problems)) << problems[0].path << ": " << problems[0].message;
  Simulation sim(s);
  sim.step();
  sim.step();  // the events fire at the end of step 1
  value = 0.3;
  for (const ProviderMirror& m : kProviderMirrors) {
    EXPECT_EQ((sim.state().providers.*m.now)[1], value) << m.key;
    EXPECT_NE((sim.state().providers.*m.now)[0], value) << m.key;  // P0 untouched
    if (m.at_start) {
      EXPECT_EQ((sim.state().providers.*m.at_start)[1], value) << m.key;
    }
    value += 0.1;
  }
}

// --- set events -----------------------------------------------------------

Scenario with_set(const std::string& path, const std::string& value, std::int64_t step = 2) {
  Scenario s = test::tiny(2, 2);
  NamedLabParams n;
  n.name = "N";
  n.tier = "t";
  n.present = false;
  s.labs.named.push_back(n);
  EventParams e;
  e.name = "change";
  e.type = EventType::set;
  e.step = static_cast<double>(step);
  e.path = path;
  e.value = value;
  s.events.push_back(e);
  return s;
}

std::vector<Problem> problems_of(const Scenario& s) {
  std::vector<Problem> out;
  check_scenario(s, out);
  return out;
}

TEST(SetEvents, ParametersReadOnlyAtTheStartAreRefused) {
  // Each is read only when the run starts (issue 10: a set of one used to
  // pass validation and then do nothing).
  const std::vector<std::pair<std::string, std::string>> start_only = {
      {"steps", "5"},
      {"seed", "7"},
      {"start", "2018-01"},
      {"name", "other"},
      {"providers[P0].name", "Q"},
      {"providers[P0].kind", "neocloud"},
      {"providers[P0].capacity_per_lab", "2"},
      {"providers[P0].capacity_lead_time", "3"},
      {"providers[P0].learning_curve.initial_volume", "2"},
      {"labs.count", "5"},
      {"labs.tiers[t].name", "u"},
      {"labs.named[N].arrive", "2017-06"},
      {"labs.named[N].present", "true"},
      {"labs.named[N].provider", "P1"},
      {"labs.named[N].tier", "t"},
      {"network.generator", "complete"},
      {"metrics.tipping_window", "3"},
      {"output.step_files", "false"},
      {"events[change].enabled", "false"},
  };
  for (const auto& [path, value] : start_only) {
    const auto problems = problems_of(with_set(path, value));
    ASSERT_EQ(problems.size(), 1u) << path;
    EXPECT_EQ(problems[0].path, "events[0].path") << path;
    EXPECT_NE(problems[0].message.find("read only when the run starts"), std::string::npos)
        << path << ": " << problems[0].message;
    EXPECT_EQ(problems[0].got, path);
  }
}

TEST(SetEvents, ParametersTheRunReadsAsItGoesAreAccepted) {
  for (const auto& [path, value] : std::vector<std::pair<std::string, std::string>>{
           {"providers[P0].price", "2"},
           {"providers[P0].capacity", "10"},
           {"providers[P0].capex_ratio", "0.1"},
           {"providers[P0].investment.max_credit", "0.3"},
           {"providers[P0].learning_curve.price_exponent", "0.2"},
           {"labs.tiers[t].alpha", "2"},
           {"labs.named[N].prestige", "3"},
           {"network.m", "2"},
           {"metrics.usage_threshold", "0.2"},
           {"choice.tau", "0.5"},
       }) {
    const auto problems = problems_of(with_set(path, value));
    EXPECT_TRUE(problems.empty()) << path << ": "
                                  << (problems.empty()
                                          ? ""
                                          : problems[0].path + ": " + problems[0].message);
  }
}

TEST(SetEvents, BreakingTheTierFractionSumIsRefused) {
  Scenario s = with_set("labs.tiers[t].fraction", "0.5");
  const auto problems = problems_of(s);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "events[0].value");
  EXPECT_EQ(problems[0].message,
            "from step 2 on (with the set events before it) labs.tiers: fractions must sum to 1 "
            "(got 0.5)");
}

TEST(SetEvents, FractionsChangedTogetherInOneStepAreAccepted) {
  Scenario s = with_set("labs.tiers[t].fraction", "0.25");
  TierParams u;
  u.name = "u";
  u.fraction = 0;
  s.labs.tiers.push_back(u);
  EventParams e = s.events[0];
  e.name = "other";
  e.path = "labs.tiers[u].fraction";
  e.value = "0.75";
  s.events.push_back(e);
  EXPECT_TRUE(problems_of(s).empty());
  // The same two events in different steps leave the sum at 0.25 in between.
  s.events[1].step = 3;
  const auto problems = problems_of(s);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "events[0].value");
}

TEST(SetEvents, AnUnknownPathOrBadValueIsRefusedAsBefore) {
  auto problems = problems_of(with_set("providers[P0].prise", "2"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "events[0].value");
  EXPECT_NE(problems[0].message.find("did you mean 'providers[P0].price'"), std::string::npos)
      << problems[0].message;
  problems = problems_of(with_set("providers[P0].price", "-1"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "events[0].value");
}

}  // namespace
}  // namespace cw
