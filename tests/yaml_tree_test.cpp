// The read-only YAML tree (config/yaml_tree.hpp) against yaml-cpp's own
// node tree (YAML::Load, built by yaml-cpp's NodeBuilder, another code path):
// node for node the same type, text and position, over hand-written
// corner cases and every shipped scenario and sweep file.
#include "config/yaml_tree.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace {

namespace fs = std::filesystem;

cw::YamlDocument parse(const std::string& text) {
  cw::YamlDocument doc;
  std::vector<cw::Diagnostic> problems;
  EXPECT_TRUE(cw::parse_yaml_text(text, "t.yaml", doc, problems));
  for (const auto& p : problems) ADD_FAILURE() << p.str();
  return doc;
}

// Compares `ours` with yaml-cpp's node `theirs`; `where` names the path.
void expect_same(const cw::YamlNode& ours, const YAML::Node& theirs, const std::string& where,
                 bool marks = true) {
  ASSERT_EQ(ours.IsDefined(), theirs.IsDefined()) << where;
  if (!theirs.IsDefined()) return;
  EXPECT_EQ(ours.IsNull(), theirs.IsNull()) << where;
  EXPECT_EQ(ours.IsScalar(), theirs.IsScalar()) << where;
  EXPECT_EQ(ours.IsSequence(), theirs.IsSequence()) << where;
  ASSERT_EQ(ours.IsMap(), theirs.IsMap()) << where;
  EXPECT_EQ(ours.Scalar(), theirs.Scalar()) << where;
  if (marks) {
    EXPECT_EQ(ours.Mark().line, theirs.Mark().line) << where;
    EXPECT_EQ(ours.Mark().column, theirs.Mark().column) << where;
  }
  ASSERT_EQ(ours.size(), theirs.size()) << where;
  if (theirs.IsSequence()) {
    for (std::size_t i = 0; i < theirs.size(); ++i) {
      expect_same(ours[i], theirs[i], where + "[" + std::to_string(i) + "]", marks);
    }
  }
  if (theirs.IsMap()) {
    auto it = ours.begin();
    std::size_t k = 0;
    for (auto jt = theirs.begin(); jt != theirs.end(); ++jt, ++it, ++k) {
      const std::string at = where + "{" + std::to_string(k) + "}";
      expect_same(it->first, jt->first, at + ".key", marks);
      expect_same(it->second, jt->second, at + ".value", marks);
      // Look-up by key: the first pair with that key, in both.
      if (jt->first.IsScalar()) {
        expect_same(ours[jt->first.Scalar()], theirs[jt->first.Scalar()], at + ".lookup", marks);
      }
    }
  }
}

// yaml-cpp's reading (cw::ExactYaml) against YAML::Load, positions included.
void expect_same_as_yaml_cpp(const std::string& text, const std::string& what) {
  const cw::ExactYaml exact;
  const cw::YamlDocument doc = parse(text);
  EXPECT_FALSE(doc.fast());
  const YAML::Node theirs = YAML::Load(text);
  expect_same(doc.root(), theirs, what);
}

// libyaml's reading, when it takes the text, against YAML::Load: the same
// tree but for positions (a problem found in it is reported from yaml-cpp's
// reading). Returns whether libyaml took it.
bool expect_fast_same_as_yaml_cpp(const std::string& text, const std::string& what) {
  cw::YamlDocument doc;
  if (!cw::read_plain_document(text, doc)) return false;
  EXPECT_TRUE(doc.fast());
  YAML::Node theirs;
  try {
    theirs = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << what << ": libyaml took a text yaml-cpp refuses: " << e.what();
    return true;
  }
  expect_same(doc.root(), theirs, what, /*marks=*/false);
  return true;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(YamlTree, CornerCasesMatchYamlCppNodeForNode) {
  expect_same_as_yaml_cpp(R"(a: 1
b:
  - x
  - &anchor {k: v, "q": 'r'}
  - *anchor
  -
  - ~
a: 2
c:
d: null
e: "~"
f: |
  two
  lines
g: [1, [2, 3], {h: i}]
? [complex, key]
: value
"quoted key": 'single # not a comment'
)",
                          "corner cases");
  expect_same_as_yaml_cpp("- just\n- a list\n", "a list");
  expect_same_as_yaml_cpp("scalar\n", "a scalar");
}

TEST(YamlTree, DuplicateKeysKeptInOrderAndLookUpTakesTheFirst) {
  const cw::YamlDocument doc = parse("a: 1\nb: 2\na: 3\n");
  const cw::YamlNode& root = doc.root();
  ASSERT_EQ(root.size(), 3u);
  EXPECT_EQ(root["a"].Scalar(), "1");
  std::vector<std::string> keys;
  for (const auto& [k, v] : root) keys.push_back(k.Scalar() + "=" + v.Scalar());
  EXPECT_EQ(keys, (std::vector<std::string>{"a=1", "b=2", "a=3"}));
  // Row 3 (0-based 2), column 3: the value 3.
  EXPECT_EQ(root.begin()[2].second.Mark().line, 2);
  EXPECT_EQ(root.begin()[2].second.Mark().column, 3);
}

TEST(YamlTree, AnAliasIsTheAnchoredNodeItself) {
  const cw::YamlDocument doc = parse("a: &x {k: v}\nb: *x\n");
  EXPECT_EQ(&doc.root()["a"], &doc.root()["b"]);
}

TEST(YamlTree, MissingKeysAndItemsAreUndefined) {
  const cw::YamlDocument doc = parse("a: [1]\n");
  EXPECT_FALSE(doc.root()["b"].IsDefined());
  EXPECT_FALSE(doc.root()["a"][std::size_t{1}].IsDefined());
  EXPECT_FALSE(doc.root()["a"]["k"].IsDefined());                  // a list has no keys
  EXPECT_FALSE(doc.root()["a"][std::size_t{0}]["k"].IsDefined());  // nor a scalar
}

TEST(YamlTree, EveryShippedFileMatchesYamlCpp) {
  const fs::path root(CW_SOURCE_DIR);
  int files = 0, fast = 0;
  for (const char* folder : {"configs", "configs/scenarios", "configs/sweeps", "configs/bench"}) {
    if (!fs::is_directory(root / folder)) continue;
    for (const auto& e : fs::directory_iterator(root / folder)) {
      if (e.path().extension() != ".yaml") continue;
      const std::string text = read_file(e.path());
      expect_same_as_yaml_cpp(text, e.path().string());
      fast += expect_fast_same_as_yaml_cpp(text, e.path().string());
      ++files;
    }
  }
  EXPECT_GE(files, 5);     // default, the scenarios and the sweeps at least
  EXPECT_EQ(fast, files);  // every shipped file is read by libyaml
}

// The fuzz corpora of the scenario and sweep readers (tests/fuzz/): every
// text libyaml takes gives yaml-cpp's tree.
TEST(YamlTree, LibyamlTakesOnlyTextsWhereItBuildsYamlCppsTree) {
  const fs::path root = fs::path(CW_SOURCE_DIR) / "tests/fuzz";
  int files = 0, fast = 0;
  for (const char* folder :
       {"corpus/fuzz_scenario", "corpus/fuzz_sweep", "regressions/fuzz_scenario"}) {
    if (!fs::is_directory(root / folder)) continue;
    for (const auto& e : fs::directory_iterator(root / folder)) {
      fast += expect_fast_same_as_yaml_cpp(read_file(e.path()), e.path().string());
      ++files;
    }
  }
  EXPECT_GE(files, 10);
  EXPECT_GE(fast, 1);
}

TEST(YamlTree, LibyamlLeavesTheSubsetToYamlCpp) {
  // Each of these is read by yaml-cpp (read_plain_document refuses it).
  for (const char* text :
       {"a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  block\n", "a: \"esc\\x41\"\n",
        "a: two\n  lines\n", "a: 1\n---\nb: 2\n", "- a list\n", "? [k]\n: v\n", "a:\t1\n",
        "a: 1\r\n", "a: caf\xc3\xa9\n", "a: [1, 2\n"}) {
    cw::YamlDocument doc;
    EXPECT_FALSE(cw::read_plain_document(text, doc)) << text;
    EXPECT_FALSE(doc.root().IsDefined()) << text;
  }
  cw::YamlDocument doc;
  EXPECT_TRUE(cw::read_plain_document("a: [1, 'two', \"three\"]\nb: {c: ~}\nd:\n", doc));
  EXPECT_TRUE(doc.root()["b"]["c"].IsNull());
  EXPECT_TRUE(doc.root()["d"].IsNull());
  EXPECT_EQ(doc.root()["a"][std::size_t{2}].Scalar(), "three");
}

// A problem in a file libyaml read is placed where yaml-cpp places it: an
// empty list item stands, for yaml-cpp, at the next item's dash (line 3),
// for libyaml right after its own dash (line 2).
TEST(YamlTree, AProblemInAFastFileIsPlacedByYamlCpp) {
  const std::string text = "providers:\n  -\n  - name: x\n";
  cw::YamlDocument doc;
  ASSERT_TRUE(cw::read_plain_document(text, doc));
  ASSERT_TRUE(doc.root()["providers"][std::size_t{0}].IsNull());
  EXPECT_EQ(doc.root()["providers"][std::size_t{0}].Mark().line, 1);  // libyaml's: 0-based 1
  try {
    cw::load_scenario_text(text, "t.yaml");
    FAIL() << "loaded";
  } catch (const cw::ConfigError& e) {
    bool found = false;
    for (const auto& d : e.problems()) {
      if (d.path == "providers[0]") {
        found = true;
        EXPECT_EQ(d.line, 3) << d.str();
        EXPECT_EQ(d.col, 3) << d.str();
      }
    }
    EXPECT_TRUE(found) << e.what();
  }
}

}  // namespace
