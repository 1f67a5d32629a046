// Parameter paths (SPEC §2.3): set and get by name or index, errors naming
// the nearest valid path.
#include "core/param_path.hpp"

#include <gtest/gtest.h>

#include <set>

#include "fixtures.hpp"

namespace cw {
namespace {

Scenario named_scenario() {
  Scenario s = test::tiny(2, 5);
  s.providers[0].name = "AWS";
  s.providers[1].name = "Azure";
  s.labs.tiers[0].name = "startup";
  return s;
}

TEST(ParamPath, SetsTopLevelAndNestedValues) {
  Scenario s = named_scenario();
  set_parameter(s, "steps", "24");
  set_parameter(s, "choice.tau", "0.25");
  set_parameter(s, "choice.allocation", "argmax");
  set_parameter(s, "outside.enabled", "true");
  EXPECT_EQ(s.steps, 24);
  EXPECT_EQ(s.choice.tau, 0.25);
  EXPECT_EQ(s.choice.allocation, AllocationRule::argmax);
  EXPECT_TRUE(s.outside.enabled);
}

TEST(ParamPath, ListItemsByNameOrIndex) {
  Scenario s = named_scenario();
  set_parameter(s, "providers[AWS].price", "0.9");
  set_parameter(s, "providers[1].quality", "0.7");
  EXPECT_EQ(s.providers[0].price, 0.9);
  EXPECT_EQ(s.providers[1].quality, 0.7);
  EXPECT_EQ(get_parameter(s, "providers[0].price"), "0.9");
  EXPECT_EQ(get_parameter(s, "providers[Azure].quality"), "0.7");
}

TEST(ParamPath, DistributionsByFieldOrAsAFixedNumber) {
  Scenario s = named_scenario();
  set_parameter(s, "labs.tiers[startup].alpha.dist", "normal");
  set_parameter(s, "labs.tiers[startup].alpha.mean", "2.5");
  EXPECT_EQ(s.labs.tiers[0].alpha.kind, DistKind::normal);
  EXPECT_EQ(s.labs.tiers[0].alpha.mean, 2.5);
  set_parameter(s, "labs.tiers[startup].alpha", "3");
  EXPECT_EQ(s.labs.tiers[0].alpha.kind, DistKind::fixed);
  EXPECT_EQ(s.labs.tiers[0].alpha.value, 3);
}

TEST(ParamPath, MapEntriesAreSetOrAdded) {
  Scenario s = named_scenario();
  set_parameter(s, "labs.tiers[startup].affinity.Azure", "0.5");
  ASSERT_EQ(s.labs.tiers[0].affinity.size(), 1u);
  EXPECT_EQ(s.labs.tiers[0].affinity[0].first, "Azure");
  set_parameter(s, "labs.tiers[startup].affinity.Azure", "0.25");
  EXPECT_EQ(s.labs.tiers[0].affinity[0].second, 0.25);
}

TEST(ParamPath, UnknownPathNamesTheNearestValidOne) {
  Scenario s = named_scenario();
  try {
    set_parameter(s, "providers[AWS].prise", "1");
    FAIL();
  } catch (const PathError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown parameter path 'providers[AWS].prise' (did you mean "
                 "'providers[AWS].price'?)");
  }
}

TEST(ParamPath, UnknownListItemIsNamed) {
  Scenario s = named_scenario();
  try {
    set_parameter(s, "providers[Azur].price", "1");
    FAIL();
  } catch (const PathError& e) {
    EXPECT_STREQ(e.what(),
                 "providers[Azur].price: providers has no item 'Azur' (did you mean "
                 "'providers[Azure].price'?)");
  }
}

// Suggestions ignore case: a name typed in the wrong case is always found,
// and the suggestion is the whole path.
TEST(ParamPath, SuggestionsIgnoreCase) {
  Scenario s = named_scenario();
  const auto message = [&s](const std::string& path) {
    try {
      set_parameter(s, path, "1");
    } catch (const PathError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("providers[aws].price"),
            "providers[aws].price: providers has no item 'aws' (did you mean "
            "'providers[AWS].price'?)");
  EXPECT_EQ(message("CHOICE.TAU"),
            "unknown parameter path 'CHOICE.TAU' (did you mean 'choice.tau'?)");
  EXPECT_EQ(message("Providers[AWS].Price"),
            "unknown parameter path 'Providers[AWS].Price' (did you mean 'providers[AWS].price'?)");
}

TEST(ParamPath, AMissInsideASectionDoesNotMatchALaterSection) {
  // Once a bug (PathVisitor::descend): a miss inside `outside` left the walk
  // one level deep, so the later top-level section `choice` was matched
  // against the path's second segment and `outside.choice.tau` set choice.tau.
  Scenario s = named_scenario();
  const double tau = s.choice.tau;
  try {
    set_parameter(s, "outside.choice.tau", "0.3");
    FAIL() << "outside.choice.tau was accepted";
  } catch (const PathError& e) {
    EXPECT_STREQ(e.what(), "unknown parameter path 'outside.choice.tau'");
  }
  EXPECT_EQ(s.choice.tau, tau);
  EXPECT_THROW(get_parameter(s, "outside.choice.tau"), PathError);
}

TEST(ParamPath, PathsThatGoWrongOnTheWaySayHow) {
  Scenario s = named_scenario();
  const auto message = [&s](const std::string& path) {
    try {
      set_parameter(s, path, "1");
    } catch (const PathError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("choice"), "choice: names a section, not a parameter");
  EXPECT_EQ(message("providers.price"),
            "providers.price: is a list: select an item, e.g. providers[0]");
  EXPECT_EQ(message("providers[AWS]"), "providers[AWS]: names a list item, not a parameter");
  EXPECT_EQ(message("steps.x"), "steps.x: is a single value and has no fields");
  EXPECT_EQ(message("steps[0]"), "steps[0]: is not a list");
  EXPECT_EQ(message("labs.tiers[startup].affinity"),
            "labs.tiers[startup].affinity: names a map: add one name, e.g. affinity.NAME");
  EXPECT_EQ(message("providers[2].price"), "providers[2].price: providers has no item '2'");
  try {
    get_parameter(s, "labs.tiers[startup].alpha");
    FAIL();
  } catch (const PathError& e) {
    EXPECT_STREQ(e.what(),
                 "labs.tiers[startup].alpha: is a distribution: name one of its fields, e.g. "
                 "alpha.mean");
  }
}

TEST(ParamPath, OnlyWholeNumberFieldsAreIntegers) {
  const Scenario s = named_scenario();
  EXPECT_TRUE(parameter_is_integer(s, "steps"));
  EXPECT_FALSE(parameter_is_integer(s, "choice.tau"));
  EXPECT_FALSE(parameter_is_integer(s, "outside.enabled"));
  EXPECT_FALSE(parameter_is_integer(s, "labs.tiers[startup].affinity.AWS"));
  EXPECT_EQ(get_parameter(s, "labs.tiers[startup].affinity.AWS"), "");  // absent entry
}

TEST(ParamPath, ValuesAreCheckedAgainstTheFieldBounds) {
  Scenario s = named_scenario();
  EXPECT_THROW(set_parameter(s, "providers[AWS].price", "-1"), PathError);
  EXPECT_THROW(set_parameter(s, "providers[AWS].price", "cheap"), PathError);
  EXPECT_THROW(set_parameter(s, "providers[AWS].price", "nan"), PathError);
  EXPECT_THROW(set_parameter(s, "steps", "1.5"), PathError);
  EXPECT_THROW(set_parameter(s, "choice.allocation", "logitt"), PathError);
  EXPECT_THROW(set_parameter(s, "providers", "1"), PathError);
  EXPECT_EQ(s.providers[0].price, 1.0);  // unchanged by the failed sets
}

TEST(ParamPath, ListingCoversEveryLeafOnce) {
  const Scenario s = named_scenario();
  const auto params = list_parameters(s);
  std::set<std::string> paths;
  for (const auto& p : params) EXPECT_TRUE(paths.insert(p.path).second) << p.path;
  EXPECT_TRUE(paths.count("providers[AWS].price"));
  EXPECT_TRUE(paths.count("labs.tiers[startup].alpha.mean"));
  EXPECT_TRUE(paths.count("metrics.tipping_window"));
  // Every listed path can be read back.
  for (const auto& p : params) {
    if (p.type.rfind("number (fixed)", 0) == 0 || p.path.find(".NAME") != std::string::npos) {
      continue;
    }
    EXPECT_NO_THROW(get_parameter(s, p.path)) << p.path;
  }
}

}  // namespace
}  // namespace cw
