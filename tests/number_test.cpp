// One number and flag grammar for every reader (core/number.hpp,
// docs/CONFIG.md "Numbers and flags").
//
// Part 1 pins the grammar: each text with the value worked out by hand (or
// the reason it is rejected). Part 2 gives the same texts to the four places
// a user writes a value: a YAML scenario file, `--set` (set_parameter, as the
// command line applies it), a sweep's `values` and a `set` event, and
// checks that each gives the hand-worked result, value or error message.
#include "core/number.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "batch/runner.hpp"
#include "cli_helpers.hpp"
#include "config/sweep_reader.hpp"
#include "config/yaml_reader.hpp"
#include "core/engine.hpp"
#include "core/param_path.hpp"

namespace cw {
namespace {

// ---------------------------------------------------------------------------
// Part 1: the grammar

struct Good {
  const char* text;
  double value;
};

TEST(NumberGrammar, AcceptsYamlCoreDecimals) {
  // Values by hand: the decimal each text writes.
  const Good cases[] = {
      {"0", 0.0},         {"1", 1.0},         {"+1", 1.0},     {"-1", -1.0},
      {"-0.5", -0.5},     {".5", 0.5},        {"+.5", 0.5},    {"1.", 1.0},
      {"007", 7.0},       {"2e3", 2000.0},    {"2E3", 2000.0}, {"1e+2", 100.0},
      {"1.5E-3", 0.0015}, {"-2.5e-1", -0.25}, {"0.1", 0.1},    {"123456789", 123456789.0},
  };
  for (const auto& c : cases) {
    const auto x = parse_number(c.text);
    ASSERT_TRUE(x.has_value()) << c.text;
    EXPECT_EQ(*x, c.value) << c.text;
  }
}

TEST(NumberGrammar, RoundsToTheNearestDouble) {
  // 0.1 is not a double: the nearest one is 0x1.999999999999ap-4.
  EXPECT_EQ(*parse_number("0.1"), 0x1.999999999999ap-4);
  // Largest double, and the first decimal that rounds to infinity.
  EXPECT_EQ(*parse_number("1.7976931348623157e308"), std::numeric_limits<double>::max());
  EXPECT_FALSE(parse_number("1.7976931348623159e308").has_value());
  // Smallest subnormal 2^-1074 = 4.94...e-324; half of it (2.47e-324) and
  // below round to 0 (ties to even: exactly half goes to 0).
  EXPECT_EQ(*parse_number("4.9e-324"), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(*parse_number("3e-324"), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(*parse_number("2e-324"), 0.0);
}

TEST(NumberGrammar, UnderflowIsZeroWithTheSignWritten) {
  const auto plus = parse_number("1e-400");
  const auto minus = parse_number("-1e-400");
  ASSERT_TRUE(plus && minus);
  EXPECT_EQ(*plus, 0.0);
  EXPECT_FALSE(std::signbit(*plus));
  EXPECT_EQ(*minus, 0.0);
  EXPECT_TRUE(std::signbit(*minus));
  // Underflow and overflow told apart by where the first digit stands, not
  // by the exponent's sign alone.
  EXPECT_EQ(*parse_number("0.000001e-320"), 0.0);
  EXPECT_FALSE(parse_number("1000000e305").has_value());
  EXPECT_EQ(*parse_number("1000000e-306"), 1e-300);
  // An exponent too long for any integer type still reads.
  EXPECT_EQ(*parse_number("1e-99999999999999999999999"), 0.0);
  EXPECT_FALSE(parse_number("1e99999999999999999999999").has_value());
}

TEST(NumberGrammar, RejectsEverythingElse) {
  for (const char* text :
       {"",      " ",        " 1",    "1 ",    "+",     "-",     ".",    "e1",   "1e",    "1e+",
        "++1",   "+-3",      "-+3",   "--1",   "0x10",  "0X1p3", "0o7",  "0b1",  "1_000", "1,5",
        "1.2.3", "1e2.5",    "1..",   "..5",   "1d",    "abc",   "yes",  "true", "True",  "~",
        "null",  ".inf",     "-.inf", "+.inf", ".Inf",  ".INF",  ".nan", ".NaN", ".NAN",  "inf",
        "-inf",  "Infinity", "nan",   "NaN",   "1e400", "-1e400"}) {
    EXPECT_FALSE(parse_number(text).has_value()) << "'" << text << "'";
  }
}

TEST(NumberGrammar, ProblemsSayWhyAndNameTheBounds) {
  EXPECT_EQ(read_number_field("cheap", kAnyNumber).problem, "must be a number");
  EXPECT_EQ(read_number_field("0x10", kAnyNumber).problem, "must be a number");
  EXPECT_EQ(read_number_field(".inf", kAnyNumber).problem, "must be a finite number");
  EXPECT_EQ(read_number_field("-.Inf", kAnyNumber).problem, "must be a finite number");
  EXPECT_EQ(read_number_field("NaN", kAnyNumber).problem, "must be a finite number");
  EXPECT_EQ(read_number_field("1e400", kAnyNumber).problem, "must be a finite number");
  EXPECT_EQ(read_number_field("1e-400", kPositive).problem, "must be > 0");
  EXPECT_TRUE(read_number_field("1e-400", kNonNegative).ok());
  EXPECT_EQ(read_whole_field("12.5", kAnyNumber).problem, "must be a whole number");
  EXPECT_EQ(read_whole_field("1e300", kAnyNumber).problem, "must be a whole number");
  // 2^53 is the largest whole number accepted; 2^53 + 2 is the next double.
  EXPECT_EQ(read_whole_field("9007199254740992", kAnyNumber).value, 9007199254740992.0);
  EXPECT_EQ(read_whole_field("9007199254740994", kAnyNumber).problem, "must be a whole number");
  EXPECT_EQ(read_whole_field("1.2e2", range(1, 100)).problem, "must be in [1, 100]");
  EXPECT_EQ(read_whole_field("1.2e2", range(1, 200)).value, 120.0);
  // Whole first, bounds second: 0.5 is not whole even where it is out of bounds.
  EXPECT_EQ(read_whole_field("0.5", range(1, 10)).problem, "must be a whole number");
}

TEST(FlagGrammar, OnlyLowercaseTrueAndFalse) {
  EXPECT_EQ(parse_flag("true"), std::optional<bool>(true));
  EXPECT_EQ(parse_flag("false"), std::optional<bool>(false));
  for (const char* text : {"True", "TRUE", "False", "FALSE", "yes", "no", "on", "off", "1", "0", "",
                           " true", "true ", "t", "y"}) {
    EXPECT_FALSE(parse_flag(text).has_value()) << "'" << text << "'";
  }
}

// ---------------------------------------------------------------------------
// Part 2: the same text through every reader

// A valid two-provider scenario; `@FIELD@` lines are replaced per test.
const char* const kScenario = R"(name: t
steps: 3
providers:
  - name: A
    price: @PRICE@
  - name: B
    price: 1
outside:
  enabled: @ENABLED@
  utility: @UTILITY@
labs:
  count: 10
  tiers:
    - name: t
      fraction: 1
      max_providers: @MAX@
@EVENTS@)";

// The parameters under test: path, its line in kScenario, its default text.
struct Field {
  const char* path;
  const char* marker;
  const char* fallback;
};
const Field kUtility{"outside.utility", "@UTILITY@", "0"};
const Field kPrice{"providers[A].price", "@PRICE@", "1"};
const Field kMax{"labs.tiers[t].max_providers", "@MAX@", "1"};
const Field kEnabled{"outside.enabled", "@ENABLED@", "false"};
const Field kFields[] = {kUtility, kPrice, kMax, kEnabled};

void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
}

// The scenario with `field` written as `yaml` (a YAML scalar as it appears
// in the file) and every other field at its fallback; `events` appended.
std::string scenario_with(const Field* field, const std::string& yaml,
                          const std::string& events = "") {
  std::string s = kScenario;
  for (const Field& f : kFields) {
    replace(s, f.marker, field && std::string(f.path) == field->path ? yaml : f.fallback);
  }
  replace(s, "@EVENTS@", events);
  return s;
}

// YAML single quotes: the scalar is exactly `text`.
std::string quoted(const std::string& text) { return "'" + text + "'"; }

// Whether YAML reads `text` unquoted as the same text.
bool plain_safe(const std::string& text) {
  return !text.empty() && text.front() != ' ' && text.back() != ' ' &&
         text.find_first_of("#:{}[]&*!|>'\"%@`") == std::string::npos && text != "~" && text != "-";
}

// What a reader made of a value: "= VALUE" (as get_parameter prints it) or
// "! MESSAGE (got TEXT)" without the parameter's path.
std::string error_without_path(const std::string& message, const std::string& path) {
  const std::string prefix = path + ": ";
  if (message.rfind(prefix, 0) == 0) return "! " + message.substr(prefix.size());
  return "! " + message;
}

std::string via_yaml(const Field& f, const std::string& yaml_scalar) {
  try {
    const Scenario s = load_scenario_text(scenario_with(&f, yaml_scalar), "t.yaml");
    return "= " + get_parameter(s, f.path);
  } catch (const ConfigError& e) {
    if (e.problems().size() != 1) return std::string("several problems:\n") + e.what();
    const Diagnostic& d = e.problems()[0];
    return "! " + d.message + " (got " + d.got + ")";
  }
}

std::string via_set(const Field& f, const std::string& text) {
  Scenario s = load_scenario_text(scenario_with(nullptr, ""), "t.yaml");
  try {
    set_parameter(s, f.path, text);
    return "= " + get_parameter(s, f.path);
  } catch (const PathError& e) {
    return error_without_path(e.what(), f.path);
  }
}

std::string via_sweep(const Field& f, const std::string& text) {
  const auto dir = test::fresh_dir("number_sweep");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "base.yaml") << scenario_with(nullptr, "");
  std::ofstream(dir / "sweep.yaml")
      << "name: s\nbase: base.yaml\ndesign: {kind: grid}\n"
      << "parameters:\n  - path: " << f.path << "\n    values: [" << quoted(text) << "]\n";
  std::string result;
  try {
    const Sweep sw = load_sweep(dir / "sweep.yaml");
    // The scenario of the sweep's first run, as the runner builds it.
    result = "= " + get_parameter(run_scenario_of(sw, run_key(sw, 0)), f.path);
  } catch (const ConfigError& e) {
    if (e.problems().size() != 1) {
      result = std::string("several problems:\n") + e.what();
    } else {
      result = error_without_path(e.problems()[0].message, f.path);
    }
  }
  std::filesystem::remove_all(dir);
  return result;
}

std::string via_event(const Field& f, const std::string& text) {
  const std::string events = std::string("events:\n  - name: e\n    type: set\n    step: 0\n") +
                             "    path: " + f.path + "\n    value: " + quoted(text) + "\n";
  try {
    const Scenario s = load_scenario_text(scenario_with(nullptr, "", events), "t.yaml");
    // The event fires in the first step and changes the simulation's scenario.
    Simulation sim(s);
    sim.step();
    return "= " + get_parameter(sim.scenario(), f.path);
  } catch (const ConfigError& e) {
    if (e.problems().size() != 1) return std::string("several problems:\n") + e.what();
    return error_without_path(e.problems()[0].message, f.path);
  }
}

struct Case {
  const Field& field;
  std::string text;
  std::string want;  // "= VALUE" or "! MESSAGE (got TEXT)", worked out by hand
};

void expect_same_everywhere(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.field.path) + " = '" + c.text + "'");
    EXPECT_EQ(via_yaml(c.field, quoted(c.text)), c.want) << "YAML, quoted";
    if (plain_safe(c.text)) {
      EXPECT_EQ(via_yaml(c.field, c.text), c.want) << "YAML, plain";
    }
    EXPECT_EQ(via_set(c.field, c.text), c.want) << "--set";
    EXPECT_EQ(via_sweep(c.field, c.text), c.want) << "sweep value";
    EXPECT_EQ(via_event(c.field, c.text), c.want) << "set event";
  }
}

TEST(SameTextSameResult, Numbers) {
  expect_same_everywhere({
      {kUtility, "2e3", "= 2000"},
      {kUtility, "+1.5", "= 1.5"},
      {kUtility, "-.5", "= -0.5"},
      {kUtility, "1.", "= 1"},
      {kUtility, "007", "= 7"},
      {kUtility, "1.5E-3", "= 0.0015"},
      {kUtility, "1e-400", "= 0"},
      {kUtility, "-1e-400", "= -0"},
      {kUtility, "4.9e-324", "= 5e-324"},
      {kUtility, "1e400", "! must be a finite number (got 1e400)"},
      {kUtility, ".inf", "! must be a finite number (got .inf)"},
      {kUtility, "-.Inf", "! must be a finite number (got -.Inf)"},
      {kUtility, ".nan", "! must be a finite number (got .nan)"},
      {kUtility, "nan", "! must be a finite number (got nan)"},
      {kUtility, "0x10", "! must be a number (got 0x10)"},
      {kUtility, "1_000", "! must be a number (got 1_000)"},
      {kUtility, "+-3", "! must be a number (got +-3)"},
      {kUtility, "1e", "! must be a number (got 1e)"},
      {kUtility, "True", "! must be a number (got True)"},
      {kUtility, " 1", "! must be a number (got  1)"},
      {kUtility, "", "! must be a number (got )"},
      {kPrice, "0.25", "= 0.25"},
      {kPrice, "1e-400", "! must be > 0 (got 1e-400)"},
      {kPrice, "-1", "! must be > 0 (got -1)"},
      {kPrice, "cheap", "! must be a number (got cheap)"},
  });
}

TEST(SameTextSameResult, WholeNumbers) {
  expect_same_everywhere({
      {kMax, "2", "= 2"},
      {kMax, "+2", "= 2"},
      {kMax, "2.0", "= 2"},
      {kMax, "0.2e1", "= 2"},
      {kMax, "20e-1", "= 2"},
      {kMax, "1.5", "! must be a whole number (got 1.5)"},
      {kMax, "1e300", "! must be a whole number (got 1e300)"},
      {kMax, "1e-400", "! must be in [1, 64] (got 1e-400)"},
      {kMax, "65", "! must be in [1, 64] (got 65)"},
      {kMax, "0x2", "! must be a number (got 0x2)"},
      {kMax, ".inf", "! must be a finite number (got .inf)"},
  });
}

TEST(SameTextSameResult, Flags) {
  expect_same_everywhere({
      {kEnabled, "true", "= true"},
      {kEnabled, "false", "= false"},
      {kEnabled, "True", "! must be true or false (got True)"},
      {kEnabled, "TRUE", "! must be true or false (got TRUE)"},
      {kEnabled, "False", "! must be true or false (got False)"},
      {kEnabled, "yes", "! must be true or false (got yes)"},
      {kEnabled, "1", "! must be true or false (got 1)"},
      {kEnabled, "", "! must be true or false (got )"},
  });
}

TEST(SameTextSameResult, ListsOfWholeNumbers) {
  // `--set` writes a list as a,b,c; YAML as [a, b, c]. Each item is read by
  // the same rule, and a bad item is named by index in both.
  const auto yaml_problem = [](const std::string& list) {
    try {
      load_scenario_text(scenario_with(nullptr, "", "output:\n  graph_steps: " + list + "\n"));
    } catch (const ConfigError& e) {
      const Diagnostic& d = e.problems().at(0);
      return d.path + ": " + d.message + " (got " + d.got + ")";
    }
    return std::string("no problem");
  };
  const auto set_problem = [](const std::string& list) {
    Scenario s = load_scenario_text(scenario_with(nullptr, ""));
    try {
      set_parameter(s, "output.graph_steps", list);
    } catch (const PathError& e) {
      return std::string(e.what());
    }
    return std::string("no problem");
  };
  const std::string item = "output.graph_steps[1]: must be a whole number (got 1.5)";
  EXPECT_EQ(yaml_problem("[0, 1.5]"), item);
  EXPECT_EQ(set_problem("0,1.5"), item);
  const std::string one = "output.graph_steps: must be a whole number (got 1.5)";
  EXPECT_EQ(yaml_problem("1.5"), one);
  EXPECT_EQ(set_problem("1.5"), one);
  Scenario s = load_scenario_text(scenario_with(nullptr, ""));
  set_parameter(s, "output.graph_steps", "+0,2e1,1.2e2");
  EXPECT_EQ(s.output.graph_steps, (std::vector<std::int64_t>{0, 20, 120}));
}

TEST(SameTextSameResult, TheCommandLineSetsWhatTheFileWould) {
  // The real `--set` of the program: one accepted text, one rejected.
  const auto dir = test::fresh_dir("number_cli");
  std::filesystem::create_directories(dir);
  const auto file = dir / "s.yaml";
  std::ofstream(file) << scenario_with(nullptr, "");
  const auto ok =
      test::run_cli("run --no-output '" + file.string() + "' --set outside.utility=1e-400");
  EXPECT_EQ(ok.status, 0) << ok.err;
  const auto bad =
      test::run_cli("run --no-output '" + file.string() + "' --set outside.enabled=True");
  EXPECT_EQ(bad.status, 3);
  EXPECT_EQ(bad.err, "--set: outside.enabled: must be true or false (got True)\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cw
